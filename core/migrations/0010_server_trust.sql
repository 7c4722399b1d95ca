-- Beatbook store, schema version 10: how the device trusts its sync server, given at enrolment
-- (docs/security.md, "Certificate pinning"). Once shipped, this file never changes.

-- The force's private CA certificate(s), PEM, trusted besides the operating system's store;
-- and the pinned keys of the server's certificate: a JSON array of base64 SHA-256 digests of
-- its SubjectPublicKeyInfo. NULL: none given. Every sync of this store uses them.
ALTER TABLE device_profile ADD COLUMN server_ca_pem TEXT;
ALTER TABLE device_profile ADD COLUMN server_pins TEXT;
