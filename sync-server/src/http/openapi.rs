//! The API's OpenAPI 3.1 document, made from the code so that it cannot drift from it.
//!
//! Every JSON route is registered here, with utoipa-axum's `routes!`, from the same
//! `#[utoipa::path]` attribute on its handler that documents it: a route cannot be served
//! undocumented, nor documented at a path or method it is not served on. The schemas come from
//! the wire types themselves (`beatbook_core::sync::protocol`, the compact form, the report),
//! derived from their serde definitions (core's `openapi` feature). The supervisors' HTML
//! pages under `/web/` are not part of the API and are not described.
//!
//! The document is served at `GET /v1/openapi.json` and checked in as `docs/openapi.json`; a
//! test fails when that copy is stale (`BEATBOOK_UPDATE_OPENAPI=1 cargo test -p
//! beatbook-server --lib openapi` rewrites it). `scripts/test-api-contract.sh` runs
//! schemathesis against a live server with it.

use super::AppState;
use axum::http::header;
use axum::response::IntoResponse;
use beatbook_core::sync::compact_push::CompactPushResponse;
use beatbook_core::sync::compact_wire::CompactPullResponse;
use beatbook_core::sync::protocol::{PullResponse, PushRequest, PushResponse, MAX_OPS_PER_PUSH};
use std::sync::OnceLock;
use utoipa::openapi::schema::{AnyOfBuilder, Schema};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Ref, RefOr};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The name of the bearer-token security scheme the sync and report operations require.
pub const DEVICE_TOKEN: &str = "device_token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Beatbook sync server",
        description = "The device-facing API of the Beatbook sync server: enrolment, push and \
            pull of field-level changes, the performance-framework report, and health. The \
            protocol's rules (merge, scope, clocks, retries) are in docs/sync-protocol.md. Every \
            response carries `x-beatbook-server-time`; every error answer is an `ErrorBody` and \
            closes the connection."
    ),
    modifiers(&DeviceTokenScheme),
    components(schemas(beatbook_core::sync::protocol::ErrorBody)),
    tags(
        (name = "enrolment", description = "A one-time code buys a device its token."),
        (name = "sync", description = "Push ops, pull the current state of records."),
        (name = "reports", description = "The performance-framework report (supervisors)."),
        (name = "operations", description = "Health and this document."),
    )
)]
struct ApiDoc;

/// Declares the `device_token` bearer scheme.
struct DeviceTokenScheme;

impl Modify for DeviceTokenScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            DEVICE_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The device token `POST /v1/enrol` returned: 64 hex characters.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Every JSON route, each with its documentation.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(super::healthz))
        .routes(routes!(super::ready::readyz))
        .routes(routes!(openapi_json))
        .routes(routes!(super::enrol::enrol))
        .routes(routes!(super::push::push))
        .routes(routes!(super::audit_upload::upload))
        .routes(routes!(super::pull::pull))
        .routes(routes!(super::pull::status))
        .routes(routes!(super::reports::json))
        .routes(routes!(super::reports::csv))
}

/// The OpenAPI document of [`routes`]. (No links between operations: utoipa 5.5 writes a
/// link's `operationId` as `operation_id`, which readers ignore.)
pub fn document() -> utoipa::openapi::OpenApi {
    routes().into_openapi()
}

/// The document as served and checked in: pretty JSON and a final newline.
pub fn document_json() -> String {
    let mut text = document()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"the document did not serialise: {e}\"}}"));
    text.push('\n');
    text
}

/// This document.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "operations",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of this API.", content_type = "application/json", body = Object),
    )
)]
pub(crate) async fn openapi_json() -> axum::response::Response {
    static TEXT: OnceLock<String> = OnceLock::new();
    let text = TEXT.get_or_init(document_json).as_str();
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// The push request as the server reads it: a `PushRequest`, except that each op is judged on
/// its own — an op that is not a valid `Op` (but has a UUID `op_id`, which its result needs) is
/// answered `rejected` in its result, and the other ops are applied. So an item is an `Op`, or
/// any object with an `op_id`. Made from `PushRequest`'s own schema, with only `ops` rewritten.
#[derive(Debug)]
pub struct PushBody;

impl PartialSchema for PushBody {
    fn schema() -> RefOr<Schema> {
        let item = serde_json::json!({
            "anyOf": [
                {"$ref": "#/components/schemas/Op"},
                {
                    "type": "object",
                    "description": "Any other op: answered `rejected` (`invalid_record`, \
                        `unknown_kind` or `op_too_large`) in its result.",
                    "required": ["op_id"],
                    "properties": {"op_id": {"type": "string", "format": "uuid"}}
                }
            ]
        });
        let mut schema = serde_json::to_value(PushRequest::schema()).unwrap_or_default();
        schema["properties"]["ops"]["items"] = item;
        schema["properties"]["ops"]["maxItems"] = MAX_OPS_PER_PUSH.into();
        serde_json::from_value(schema).unwrap_or_else(|_| PushRequest::schema())
    }
}

impl ToSchema for PushBody {
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((PushRequest::name().into_owned(), PushRequest::schema()));
        PushRequest::schemas(schemas);
    }
}

/// A schema that is either of two answers: the full form, or the compact form a request asked
/// for with a query parameter. The two may overlap (an empty pull page is both), hence `anyOf`.
macro_rules! full_or_compact {
    ($(#[$doc:meta])* $name:ident, $full:ty, $compact:ty, $asked:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;

        impl PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                AnyOfBuilder::new()
                    .item(Ref::from_schema_name(<$full>::name()))
                    .item(Ref::from_schema_name(<$compact>::name()))
                    .description(Some(format!(
                        "The full form (`{}`), or the compact form (`{}`) when the request said `{}`.",
                        <$full>::name(),
                        <$compact>::name(),
                        $asked
                    )))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                schemas.push((<$full>::name().into_owned(), <$full>::schema()));
                <$full>::schemas(schemas);
                schemas.push((<$compact>::name().into_owned(), <$compact>::schema()));
                <$compact>::schemas(schemas);
            }
        }
    };
}

full_or_compact!(
    /// A pull page: the full form, or the compact form when asked for (`form=compact`).
    PullPage,
    PullResponse,
    CompactPullResponse,
    "form=compact"
);

full_or_compact!(
    /// A push answer: the full form, or the compact form when asked for (`answer=compact`).
    PushAnswer,
    PushResponse,
    CompactPushResponse,
    "answer=compact"
);

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn checked_in() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json")
    }

    /// `docs/openapi.json` is the document the code makes. Set `BEATBOOK_UPDATE_OPENAPI=1` to
    /// rewrite it after changing a route or a wire type.
    #[test]
    fn the_checked_in_openapi_document_is_current() {
        let made = document_json();
        let path = checked_in();
        if std::env::var_os("BEATBOOK_UPDATE_OPENAPI").is_some_and(|v| v == "1") {
            std::fs::write(&path, &made).expect("write docs/openapi.json");
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == made,
            "docs/openapi.json is stale: regenerate it with \
             `BEATBOOK_UPDATE_OPENAPI=1 cargo test -p beatbook-server --lib openapi` and commit it"
        );
    }

    #[test]
    fn the_document_is_openapi_3_1_and_describes_every_api_route() {
        let doc: serde_json::Value =
            serde_json::from_str(&document_json()).expect("the document is JSON");
        assert!(doc["openapi"]
            .as_str()
            .is_some_and(|v| v.starts_with("3.1")));
        let paths = doc["paths"].as_object().expect("paths");
        let mut listed: Vec<String> = paths
            .iter()
            .flat_map(|(path, item)| {
                item.as_object()
                    .into_iter()
                    .flat_map(|ops| ops.keys())
                    .map(move |method| format!("{} {path}", method.to_uppercase()))
            })
            .collect();
        listed.sort();
        assert_eq!(
            listed,
            [
                "GET /healthz",
                "GET /readyz",
                "GET /v1/openapi.json",
                "GET /v1/reports",
                "GET /v1/reports.csv",
                "GET /v1/sync/pull",
                "GET /v1/sync/status",
                "POST /v1/enrol",
                "POST /v1/sync/audit",
                "POST /v1/sync/push",
            ]
        );
        // Every operation but health, readiness, this document and enrolment needs a device token.
        for (path, item) in paths {
            for (method, op) in item.as_object().expect("path item") {
                let secured = op.get("security").is_some();
                let public = ["/healthz", "/readyz", "/v1/openapi.json", "/v1/enrol"]
                    .contains(&path.as_str());
                assert_eq!(secured, !public, "{method} {path}: security");
            }
        }
    }

    /// The API router must be built only from [`routes`]: a `.route(` in `http/mod.rs` would
    /// serve a path this document does not describe.
    #[test]
    fn a_push_body_is_a_push_request_whose_ops_are_judged_one_by_one() {
        let body = serde_json::to_value(PushBody::schema()).expect("json");
        let request = serde_json::to_value(PushRequest::schema()).expect("json");
        assert_eq!(
            body["properties"]["protocol"],
            request["properties"]["protocol"]
        );
        assert_eq!(body["required"], request["required"]);
        assert_eq!(body["additionalProperties"], false);
        let items = &body["properties"]["ops"]["items"]["anyOf"];
        assert_eq!(items[0]["$ref"], "#/components/schemas/Op");
        assert_eq!(items[1]["required"], serde_json::json!(["op_id"]));
        assert_eq!(body["properties"]["ops"]["maxItems"], 1000);
    }

    #[test]
    fn no_api_route_is_registered_outside_the_document() {
        let source = include_str!("mod.rs");
        assert!(
            !source.contains(".route("),
            "http/mod.rs registers a route directly: register it in http/openapi.rs with \
             routes!() and a #[utoipa::path] on its handler"
        );
    }
}
