//! Azure region names: a region as written in; its normal form (`West Europe`
//! → `westeurope`), whether drplan knows it and its display name out. The
//! checker uses them to catch typos (an unknown name is only a warning, since
//! Azure adds regions), readiness to compare regions, `status` to name them.

/// Known regions of Azure's public cloud, Azure China and Azure US Government.
pub const ALL: &[&str] = &[
    "australiacentral",
    "australiacentral2",
    "australiaeast",
    "australiasoutheast",
    "austriaeast",
    "belgiumcentral",
    "brazilsouth",
    "brazilsoutheast",
    "canadacentral",
    "canadaeast",
    "centralindia",
    "centralus",
    "centraluseuap",
    "chilecentral",
    "denmarkeast",
    "eastasia",
    "eastus",
    "eastus2",
    "eastus2euap",
    "eastusstg",
    "francecentral",
    "francesouth",
    "germanynorth",
    "germanywestcentral",
    "indonesiacentral",
    "israelcentral",
    "italynorth",
    "japaneast",
    "japanwest",
    "jioindiacentral",
    "jioindiawest",
    "koreacentral",
    "koreasouth",
    "malaysiasouth",
    "malaysiawest",
    "mexicocentral",
    "newzealandnorth",
    "northcentralus",
    "northeurope",
    "norwayeast",
    "norwaywest",
    "polandcentral",
    "qatarcentral",
    "southafricanorth",
    "southafricawest",
    "southcentralus",
    "southeastasia",
    "southindia",
    "spaincentral",
    "swedencentral",
    "swedensouth",
    "switzerlandnorth",
    "switzerlandwest",
    "uaecentral",
    "uaenorth",
    "uksouth",
    "ukwest",
    "westcentralus",
    "westeurope",
    "westindia",
    "westus",
    "westus2",
    "westus3",
    // Azure China
    "chinaeast",
    "chinaeast2",
    "chinaeast3",
    "chinanorth",
    "chinanorth2",
    "chinanorth3",
    // Azure US Government
    "usgovarizona",
    "usgovtexas",
    "usgovvirginia",
    "usdodcentral",
    "usdodeast",
];

/// ARM accepts display names too: `West Europe` is `westeurope`.
pub fn normalize(region: &str) -> String {
    region
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether a normalized name is a known region.
pub fn is_known(normal: &str) -> bool {
    ALL.contains(&normal)
}

/// The region's display name as Azure shows it (`northeurope` → "North
/// Europe"), for the regions of [`ALL`]; `region` may be written either way.
/// `None` for a region drplan does not know: show it as written.
pub fn display_name(region: &str) -> Option<&'static str> {
    let name = match normalize(region).as_str() {
        "australiacentral" => "Australia Central",
        "australiacentral2" => "Australia Central 2",
        "australiaeast" => "Australia East",
        "australiasoutheast" => "Australia Southeast",
        "austriaeast" => "Austria East",
        "belgiumcentral" => "Belgium Central",
        "brazilsouth" => "Brazil South",
        "brazilsoutheast" => "Brazil Southeast",
        "canadacentral" => "Canada Central",
        "canadaeast" => "Canada East",
        "centralindia" => "Central India",
        "centralus" => "Central US",
        "centraluseuap" => "Central US EUAP",
        "chilecentral" => "Chile Central",
        "denmarkeast" => "Denmark East",
        "eastasia" => "East Asia",
        "eastus" => "East US",
        "eastus2" => "East US 2",
        "eastus2euap" => "East US 2 EUAP",
        "eastusstg" => "East US STG",
        "francecentral" => "France Central",
        "francesouth" => "France South",
        "germanynorth" => "Germany North",
        "germanywestcentral" => "Germany West Central",
        "indonesiacentral" => "Indonesia Central",
        "israelcentral" => "Israel Central",
        "italynorth" => "Italy North",
        "japaneast" => "Japan East",
        "japanwest" => "Japan West",
        "jioindiacentral" => "Jio India Central",
        "jioindiawest" => "Jio India West",
        "koreacentral" => "Korea Central",
        "koreasouth" => "Korea South",
        "malaysiasouth" => "Malaysia South",
        "malaysiawest" => "Malaysia West",
        "mexicocentral" => "Mexico Central",
        "newzealandnorth" => "New Zealand North",
        "northcentralus" => "North Central US",
        "northeurope" => "North Europe",
        "norwayeast" => "Norway East",
        "norwaywest" => "Norway West",
        "polandcentral" => "Poland Central",
        "qatarcentral" => "Qatar Central",
        "southafricanorth" => "South Africa North",
        "southafricawest" => "South Africa West",
        "southcentralus" => "South Central US",
        "southeastasia" => "Southeast Asia",
        "southindia" => "South India",
        "spaincentral" => "Spain Central",
        "swedencentral" => "Sweden Central",
        "swedensouth" => "Sweden South",
        "switzerlandnorth" => "Switzerland North",
        "switzerlandwest" => "Switzerland West",
        "uaecentral" => "UAE Central",
        "uaenorth" => "UAE North",
        "uksouth" => "UK South",
        "ukwest" => "UK West",
        "westcentralus" => "West Central US",
        "westeurope" => "West Europe",
        "westindia" => "West India",
        "westus" => "West US",
        "westus2" => "West US 2",
        "westus3" => "West US 3",
        "chinaeast" => "China East",
        "chinaeast2" => "China East 2",
        "chinaeast3" => "China East 3",
        "chinanorth" => "China North",
        "chinanorth2" => "China North 2",
        "chinanorth3" => "China North 3",
        "usgovarizona" => "USGov Arizona",
        "usgovtexas" => "USGov Texas",
        "usgovvirginia" => "USGov Virginia",
        "usdodcentral" => "USDoD Central",
        "usdodeast" => "USDoD East",
        _ => return None,
    };
    Some(name)
}

#[cfg(test)]
mod display_name_tests {
    use super::*;

    #[test]
    fn every_known_region_has_a_display_name_that_normalizes_back_to_it() {
        for region in ALL {
            let shown = display_name(region).unwrap_or_else(|| panic!("{region}"));
            assert_eq!(normalize(shown), *region, "{shown}");
        }
        assert_eq!(display_name("northeurope"), Some("North Europe"));
        assert_eq!(display_name("West Europe"), Some("West Europe"));
        assert_eq!(display_name("ireland"), None);
    }
}
