//! One macro for the many closed vocabularies in the domain (roles, patrol kinds, contact
//! methods, crime categories, ethnicity codes…). Each becomes a Rust enum whose stored and wire
//! form is a stable string code, so that the database, the JSON protocol and the bindings agree
//! on one spelling, and an unknown code is a typed error rather than a silent default.

/// Declares `pub enum $name { $variant => "code", … }` with `as_str`, `ALL`, `FromStr`,
/// `Display`, serde (as the code string) and SQLite conversions.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $list:literal { $($(#[$vdoc:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The name of the code list, for error messages.
            pub const LIST: &'static str = $list;

            /// The stable code stored and sent on the wire.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// Parses a code, naming `field` in the error.
            pub fn parse_field(field: &str, code: &str) -> Result<Self, $crate::validation::ValidationError> {
                code.parse().map_err(|_| {
                    $crate::validation::ValidationError::new(
                        field,
                        $crate::validation::Rule::NotInCodeList { list: $list },
                    )
                })
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::model::code_enum::UnknownCode;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::model::code_enum::UnknownCode { list: $list }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let code = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                code.parse().map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "sqlite")]
        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(rusqlite::types::ToSqlOutput::from(self.as_str()))
            }
        }

        #[cfg(feature = "sqlite")]
        impl rusqlite::types::FromSql for $name {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e: $crate::model::code_enum::UnknownCode| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }

        /// In the OpenAPI document: a string, one of the codes.
        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                $crate::model::code_enum::schema($list, &[$($code),+])
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $name {}
    };
}

pub(crate) use code_enum;

/// A code that is not in its list.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a code in the {list} list")]
pub struct UnknownCode {
    pub list: &'static str,
}

/// The OpenAPI schema of a code list: a string that is one of `codes`.
#[cfg(feature = "openapi")]
pub fn schema(
    list: &str,
    codes: &[&'static str],
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::String)
        .enum_values(Some(codes.iter().copied()))
        .description(Some(format!("A code from the {list} list.")))
        .into()
}
