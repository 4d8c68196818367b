//! VM sizes the rehearsal world knows: a size's name (`Standard_D4s_v5`) in,
//! its quota family as Azure's `Usage_List` and `ResourceSkus_List` name it
//! (`standardDSv5Family`) and its vCPUs out. Common sizes come from a
//! built-in table; any other name that looks like an Azure size gets a family
//! and vCPU count read from the name, so a plan may name sizes the table
//! lacks.

/// The built-in series: the size name's pattern (`D{n}s_v5`), its family,
/// and the vCPU counts offered. Family names as Azure's quota API spells
/// them, capitals and all (the v6 Intel families start `Standard`).
const SERIES: &[(&str, &str, &[u32])] = &[
    ("B{n}s", "standardBSFamily", &[1, 2]),
    ("B{n}ms", "standardBSFamily", &[1, 2, 4, 8, 12, 16, 20]),
    ("D{n}s_v3", "standardDSv3Family", &[2, 4, 8, 16, 32, 48, 64]),
    ("D{n}_v3", "standardDv3Family", &[2, 4, 8, 16, 32, 48, 64]),
    ("D{n}s_v4", "standardDSv4Family", &[2, 4, 8, 16, 32, 48, 64]),
    (
        "D{n}ds_v4",
        "standardDDSv4Family",
        &[2, 4, 8, 16, 32, 48, 64],
    ),
    (
        "D{n}as_v4",
        "standardDASv4Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}s_v5",
        "standardDSv5Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}_v5",
        "standardDv5Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}ds_v5",
        "standardDDSv5Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}d_v5",
        "standardDDv5Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}as_v5",
        "standardDASv5Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}ads_v5",
        "standardDADSv5Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}ls_v5",
        "standardDLSv5Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    (
        "D{n}s_v6",
        "StandardDsv6Family",
        &[2, 4, 8, 16, 32, 48, 64, 96],
    ),
    ("DS{n}_v2", "standardDSv2Family", &[1, 2, 4, 8, 16]),
    (
        "E{n}s_v3",
        "standardESv3Family",
        &[2, 4, 8, 16, 20, 32, 48, 64],
    ),
    (
        "E{n}s_v4",
        "standardESv4Family",
        &[2, 4, 8, 16, 20, 32, 48, 64],
    ),
    (
        "E{n}s_v5",
        "standardESv5Family",
        &[2, 4, 8, 16, 20, 32, 48, 64, 96],
    ),
    (
        "E{n}ds_v5",
        "standardEDSv5Family",
        &[2, 4, 8, 16, 20, 32, 48, 64, 96],
    ),
    (
        "E{n}as_v5",
        "standardEASv5Family",
        &[2, 4, 8, 16, 20, 32, 48, 64, 96],
    ),
    (
        "E{n}ads_v5",
        "standardEADSv5Family",
        &[2, 4, 8, 16, 20, 32, 48, 64, 96],
    ),
    (
        "F{n}s_v2",
        "standardFSv2Family",
        &[2, 4, 8, 16, 32, 48, 64, 72],
    ),
    ("L{n}s_v3", "standardLSv3Family", &[8, 16, 32, 48, 64, 80]),
];

/// A VM size's quota family and vCPUs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SizeInfo {
    /// `Standard_D4s_v5`.
    pub(crate) name: String,
    /// `standardDSv5Family`.
    pub(crate) family: String,
    /// vCPUs of one VM.
    pub(crate) vcpus: u32,
}

/// Every size of the built-in table, in table order.
pub(crate) fn builtin() -> Vec<SizeInfo> {
    SERIES
        .iter()
        .flat_map(|(pattern, family, counts)| {
            counts.iter().map(move |n| SizeInfo {
                name: format!("Standard_{}", pattern.replace("{n}", &n.to_string())),
                family: (*family).to_owned(),
                vcpus: *n,
            })
        })
        .collect()
}

/// A size's family and vCPUs: from the table when it is there (names compare
/// without regard to case, as ARM does), else read from the name
/// (`Standard_X12abc_v7` → `standardXABCv7Family`, 12 vCPUs); a name with no
/// number gets 2 vCPUs.
pub(crate) fn info(size: &str) -> SizeInfo {
    if let Some(known) = builtin()
        .into_iter()
        .find(|s| s.name.eq_ignore_ascii_case(size))
    {
        return known;
    }
    let body = size
        .strip_prefix("Standard_")
        .or_else(|| size.strip_prefix("standard_"))
        .unwrap_or(size);
    let (base, version) = match body.rsplit_once('_') {
        Some((base, v)) if v.starts_with(['v', 'V']) => (base, v.to_ascii_lowercase()),
        _ => (body, String::new()),
    };
    let digits: String = base
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    let vcpus = digits.parse().ok().filter(|n| *n > 0).unwrap_or(2);
    // Azure capitalises the letters of the series: `D4ds` is `DDS`.
    let letters: String = base
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_uppercase())
        .collect();
    SizeInfo {
        name: size.to_owned(),
        family: format!("standard{letters}{version}Family"),
        vcpus,
    }
}

/// Azure's display name of a family's quota (`Standard DSv5 Family vCPUs`).
pub(crate) fn family_display(family: &str) -> String {
    if family == crate::provider::inventory::TOTAL_CORES {
        return "Total Regional vCPUs".to_owned();
    }
    let core = family
        .strip_prefix("standard")
        .or_else(|| family.strip_prefix("Standard"))
        .unwrap_or(family);
    let core = core.strip_suffix("Family").unwrap_or(core);
    format!("Standard {core} Family vCPUs")
}

/// How Azure's quota errors name a counter: `standardDSv5Family Cores`,
/// and the total `Total Regional Cores`.
pub(crate) fn quota_name(counter: &str) -> String {
    if counter == crate::provider::inventory::TOTAL_CORES {
        "Total Regional Cores".to_owned()
    } else {
        format!("{counter} Cores")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_sizes_carry_azure_family_names() {
        let d4 = info("Standard_D4s_v5");
        assert_eq!((d4.family.as_str(), d4.vcpus), ("standardDSv5Family", 4));
        assert_eq!(info("standard_d4s_v5").family, "standardDSv5Family");
        assert_eq!(info("Standard_DS2_v2").family, "standardDSv2Family");
        assert_eq!(info("Standard_B2ms").vcpus, 2);
        assert!(builtin().len() > 100);
    }

    #[test]
    fn unknown_sizes_get_a_family_and_vcpus_from_their_name() {
        let x = info("Standard_X12abc_v7");
        assert_eq!((x.family.as_str(), x.vcpus), ("standardXABCv7Family", 12));
        assert_eq!(info("Standard_M128ms").family, "standardMMSFamily");
        assert_eq!(info("Standard_M128ms").vcpus, 128);
        assert_eq!(info("Basic").vcpus, 2);
    }

    #[test]
    fn display_names_follow_usage_list() {
        assert_eq!(
            family_display("standardDSv5Family"),
            "Standard DSv5 Family vCPUs"
        );
        assert_eq!(family_display("cores"), "Total Regional vCPUs");
        assert_eq!(quota_name("cores"), "Total Regional Cores");
        assert_eq!(quota_name("standardDSv5Family"), "standardDSv5Family Cores");
    }
}
