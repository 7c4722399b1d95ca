//! The reference vocabularies of `shared/domain.md`: police.uk crime categories and the 18+1
//! self-defined ethnicity codes. They are closed lists; anything else is refused.

use super::code_enum::code_enum;

code_enum!(
    /// police.uk crime categories, by their police.uk slug.
    CrimeCategory, "police.uk crime category" {
        AntiSocialBehaviour => "anti-social-behaviour",
        BicycleTheft => "bicycle-theft",
        Burglary => "burglary",
        CriminalDamageArson => "criminal-damage-arson",
        Drugs => "drugs",
        OtherTheft => "other-theft",
        PossessionOfWeapons => "possession-of-weapons",
        PublicOrder => "public-order",
        Robbery => "robbery",
        Shoplifting => "shoplifting",
        TheftFromThePerson => "theft-from-the-person",
        VehicleCrime => "vehicle-crime",
        /// Violence and sexual offences.
        ViolentCrime => "violent-crime",
        OtherCrime => "other-crime",
    }
);

code_enum!(
    /// Self-defined ethnicity (the 18+1 codes). Sensitive processing: recorded only as the
    /// person chose, never inferred.
    EthnicityCode, "self-defined ethnicity (18+1)" {
        W1 => "W1", W2 => "W2", W3 => "W3", W9 => "W9",
        M1 => "M1", M2 => "M2", M3 => "M3", M9 => "M9",
        A1 => "A1", A2 => "A2", A3 => "A3", A4 => "A4", A9 => "A9",
        B1 => "B1", B2 => "B2", B9 => "B9",
        O1 => "O1", O9 => "O9",
        /// Not stated.
        NS => "NS",
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ethnicity_list_has_eighteen_codes_plus_not_stated() {
        assert_eq!(EthnicityCode::ALL.len(), 19);
        assert!(EthnicityCode::parse_field("ethnicity", "W4").is_err());
        assert_eq!(
            EthnicityCode::parse_field("ethnicity", "A4"),
            Ok(EthnicityCode::A4)
        );
    }

    #[test]
    fn crime_categories_round_trip_through_serde_by_slug() {
        assert_eq!(CrimeCategory::ALL.len(), 14);
        for c in CrimeCategory::ALL {
            let json = serde_json::to_string(c).expect("serialise");
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            let back: CrimeCategory = serde_json::from_str(&json).expect("parse");
            assert_eq!(back, *c);
        }
        assert!(serde_json::from_str::<CrimeCategory>("\"arson\"").is_err());
    }
}
