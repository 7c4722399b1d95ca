//! Users, teams and devices as an administrator names them on the command line: an id, or a
//! name — `admin enrol-code --user "sam demo"`, `admin create-user --team northvale`,
//! `admin revoke-device "Sam's phone"`.
//!
//! Names match by the core's one rule ([`beatbook_core::naming`], also the terminal client's):
//! case-insensitive, a prefix of the name or of a word in it, an exact name first, and never a
//! guess — two matches are refused, listing both. A device can also be given by the first 8 or
//! more characters of its id, as `admin list-devices` shows it. A full id must exist: an
//! enrolment code for a user who is not there would only fail later, less clearly.

use crate::admin::{self, AdminError, AdminResult};
use crate::storage::SyncStorage;
use beatbook_core::ids::{DeviceId, TeamId, UserId};
use beatbook_core::naming::{one_named, NameMatchError};

/// The shortest device id prefix accepted.
const MIN_ID_PREFIX: usize = 8;

/// The user `typed` names (an id or a name).
pub fn user(storage: &dyn SyncStorage, typed: &str) -> AdminResult<UserId> {
    let users = storage.users()?;
    by_id_or_name(&users, typed, Named::USER, |u| u.id, |u| &u.display_name)
}

/// The team `typed` names (an id or a name).
pub fn team(storage: &dyn SyncStorage, typed: &str) -> AdminResult<TeamId> {
    let teams = storage.teams()?;
    by_id_or_name(&teams, typed, Named::TEAM, |t| t.id, |t| &t.name)
}

/// What is being named, for the errors.
struct Named {
    what: &'static str,
    /// The admin command that lists them.
    list: &'static str,
}

impl Named {
    const USER: Named = Named {
        what: "user",
        list: "list-users",
    };
    const TEAM: Named = Named {
        what: "team",
        list: "list-users",
    };
}

/// The id of the one item `typed` names: a full id that must exist, or a name.
fn by_id_or_name<T, Id>(
    items: &[T],
    typed: &str,
    named: Named,
    id_of: impl Fn(&T) -> Id,
    name_of: impl Fn(&T) -> &String,
) -> AdminResult<Id>
where
    Id: std::str::FromStr + PartialEq + std::fmt::Display,
{
    if let Ok(id) = typed.trim().parse::<Id>() {
        return match items.iter().find(|item| id_of(item) == id) {
            Some(_) => Ok(id),
            None => Err(AdminError::NotFound(format!(
                "no {} has the id {id}",
                named.what
            ))),
        };
    }
    one_named(typed, items, |item| name_of(item).as_str())
        .map(id_of)
        .map_err(|e| refused(named.what, named.list, e))
}

/// The device `typed` names (an id, the first 8 or more characters of one, or its name).
pub fn device(storage: &dyn SyncStorage, typed: &str) -> AdminResult<DeviceId> {
    let devices = admin::list_devices(storage)?;
    let trimmed = typed.trim().to_ascii_lowercase();
    if let Ok(id) = trimmed.parse::<DeviceId>() {
        return devices
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.id)
            .ok_or_else(|| AdminError::NotFound(format!("no device has the id {id}")));
    }
    let looks_like_prefix = trimmed.len() >= MIN_ID_PREFIX
        && trimmed.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    if looks_like_prefix {
        let by_prefix: Vec<DeviceId> = devices
            .iter()
            .filter(|d| d.id.to_string().starts_with(&trimmed))
            .map(|d| d.id)
            .collect();
        match by_prefix.as_slice() {
            [one] => return Ok(*one),
            [] => {}
            many => {
                return Err(AdminError::Invalid(format!(
                    "{} devices' ids start with `{}`; give more of the id",
                    many.len(),
                    typed.trim()
                )))
            }
        }
    }
    one_named(typed, &devices, |d| d.name.as_str())
        .map(|d| d.id)
        .map_err(|e| refused("device", "list-devices", e))
}

fn refused(what: &str, list: &str, e: NameMatchError) -> AdminError {
    match e {
        NameMatchError::Empty => {
            AdminError::Invalid(format!("no {what} given: give a name or an id"))
        }
        NameMatchError::NotFound(typed) => AdminError::NotFound(format!(
            "no {what} is called `{typed}` (see `beatbook-server admin {list}`)"
        )),
        ambiguous @ NameMatchError::Ambiguous { .. } => AdminError::Invalid(ambiguous.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::sqlite::{private_tempdir, SqliteStorage};
    use crate::storage::NewDevice;
    use beatbook_core::model::Role;

    struct Force {
        _dir: tempfile::TempDir,
        storage: SqliteStorage,
        north: TeamId,
        sam: UserId,
        kim: UserId,
        phone: DeviceId,
        tablet: DeviceId,
    }

    fn force() -> Force {
        let dir = private_tempdir();
        let storage =
            SqliteStorage::open(dir.path(), &crate::storage::sqlite::test_key()).expect("open");
        let north = admin::create_team(&storage, "Northvale NPT", None).expect("team");
        admin::create_team(&storage, "Southvale NPT", None).expect("team");
        let sam = admin::create_user(&storage, "PCSO Sam Demo", Role::Pcso, north.id)
            .expect("user")
            .id;
        admin::create_user(&storage, "PCSO Alex Demo", Role::Pcso, north.id).expect("user");
        let kim = admin::create_user(&storage, "Sergeant Kim Demo", Role::Supervisor, north.id)
            .expect("user")
            .id;
        let enrol = |name: &str, code: u8| {
            storage
                .add_enrolment_code([code; 32], sam, 10, i64::MAX)
                .expect("code");
            let device = NewDevice {
                id: DeviceId::new(),
                name: name.into(),
                token_hash: [code + 100; 32],
            };
            storage
                .enrol([code; 32], &device, 100)
                .expect("enrol")
                .expect("enrolled");
            device.id
        };
        let phone = enrol("Sam's phone", 1);
        let tablet = enrol("Sam's tablet", 2);
        Force {
            storage,
            north: north.id,
            sam,
            kim,
            phone,
            tablet,
            _dir: dir,
        }
    }

    #[test]
    fn users_and_teams_are_found_by_name_or_id() {
        let f = force();
        assert_eq!(user(&f.storage, "sam").expect("sam"), f.sam);
        assert_eq!(user(&f.storage, "  SERGEANT kim ").expect("kim"), f.kim);
        assert_eq!(user(&f.storage, &f.sam.to_string()).expect("id"), f.sam);
        assert_eq!(team(&f.storage, "northvale").expect("team"), f.north);
        assert_eq!(team(&f.storage, &f.north.to_string()).expect("id"), f.north);
    }

    #[test]
    fn an_ambiguous_or_unknown_name_or_id_is_refused_never_guessed() {
        let f = force();
        match user(&f.storage, "pcso") {
            Err(AdminError::Invalid(m)) => {
                assert!(
                    m.contains("PCSO Sam Demo") && m.contains("PCSO Alex Demo"),
                    "{m}"
                )
            }
            other => panic!("expected ambiguous, got {other:?}"),
        }
        assert!(matches!(
            team(&f.storage, "npt"),
            Err(AdminError::Invalid(_))
        ));
        assert!(matches!(
            user(&f.storage, "nobody"),
            Err(AdminError::NotFound(_))
        ));
        assert!(matches!(
            user(&f.storage, &UserId::new().to_string()),
            Err(AdminError::NotFound(_))
        ));
        assert!(matches!(user(&f.storage, " "), Err(AdminError::Invalid(_))));
    }

    #[test]
    fn devices_are_found_by_id_prefix_or_name() {
        let f = force();
        assert_eq!(device(&f.storage, "sam's phone").expect("name"), f.phone);
        assert_eq!(device(&f.storage, "Sam's t").expect("name"), f.tablet);
        // The shortest prefix (8 characters or more) the phone's id does not share: ids made
        // in the same millisecond share their first 20-odd characters.
        let (tablet, phone) = (f.tablet.to_string(), f.phone.to_string());
        let unique = (8..=tablet.len())
            .find(|n| !phone.starts_with(&tablet[..*n]))
            .expect("two ids differ");
        let prefix = &tablet[..unique];
        assert_eq!(device(&f.storage, prefix).expect("prefix"), f.tablet);
        assert_eq!(
            device(&f.storage, &f.phone.to_string().to_uppercase()).expect("id"),
            f.phone
        );
        assert!(matches!(
            device(&f.storage, "sam's"),
            Err(AdminError::Invalid(_))
        ));
    }
}
