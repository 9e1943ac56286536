//! The words the boundary rules know: head words of places, organisations and works, words
//! before a place, particles of persons' names, and abbreviations that end a name with their
//! stop.

/// Head words that make the name before them a place.
pub(super) const PLACE_HEADS: &[&str] = &[
    "Airport",
    "Avenue",
    "Base",
    "Basin",
    "Bay",
    "Beach",
    "Borough",
    "Bridge",
    "Camp",
    "Canal",
    "Canton",
    "Canyon",
    "Cape",
    "Coast",
    "Counties",
    "County",
    "Creek",
    "Dam",
    "Desert",
    "District",
    "Empire",
    "Falls",
    "Fjord",
    "Forest",
    "Glacier",
    "Gulf",
    "Harbor",
    "Harbour",
    "Heights",
    "Hemisphere",
    "Highway",
    "Hill",
    "Hills",
    "Island",
    "Islands",
    "Kingdom",
    "Lake",
    "Mountain",
    "Mountains",
    "Municipality",
    "Oblast",
    "Ocean",
    "Parish",
    "Park",
    "Peninsula",
    "Plain",
    "Plant",
    "Plateau",
    "Prefecture",
    "Province",
    "Range",
    "Region",
    "Republic",
    "Reservoir",
    "River",
    "Road",
    "Sea",
    "Square",
    "Station",
    "Strait",
    "Street",
    "Territory",
    "Township",
    "Valley",
    "Village",
];

/// Head words that make the name before them an organisation.
pub(super) const ORG_HEADS: &[&str] = &[
    "Academy",
    "Administration",
    "Agency",
    "Airlines",
    "Airways",
    "Association",
    "Authority",
    "Bank",
    "Board",
    "Brigade",
    "Bureau",
    "Club",
    "College",
    "Commission",
    "Committee",
    "Company",
    "Corporation",
    "Corps",
    "Council",
    "Court",
    "Department",
    "Federation",
    "Fleet",
    "Force",
    "Foundation",
    "Front",
    "Gallery",
    "Government",
    "Hospital",
    "Institute",
    "Laboratory",
    "Library",
    "Media",
    "Ministry",
    "Movement",
    "Museum",
    "Network",
    "Orchestra",
    "Parliament",
    "Party",
    "Police",
    "School",
    "Service",
    "Society",
    "Symphony",
    "Television",
    "Trust",
    "Union",
    "University",
];

/// Head words that are also common surnames: after a person's name they are taken to be the
/// surname ("Susan Park", "Benny Hill"), not a place's head word.
pub(super) const SURNAME_HEADS: &[&str] = &[
    "Bay", "Beach", "Bridge", "Coast", "Court", "Forest", "Hill", "Hills", "Lake", "Park", "Road",
    "Street",
];

/// Words before a place that belong to its name.
pub(super) const PLACE_PREFIXES: &[&str] = &[
    "Bad", "Cape", "Central", "East", "Eastern", "Fort", "Great", "Greater", "Isle", "Lake",
    "Little", "Lower", "Mount", "Mt", "North", "Northern", "Port", "Saint", "San", "Sankt",
    "Santa", "South", "Southern", "St", "São", "Upper", "West", "Western",
];

/// Lowercase particles inside personal names.
pub(super) const PARTICLES: &[&str] = &[
    "al", "bin", "bint", "da", "das", "de", "del", "della", "den", "der", "di", "do", "dos", "du",
    "ibn", "la", "le", "ten", "ter", "van", "von", "y", "zu",
];

/// Head words of the names of laws, licences and agreements ("GNU General Public License",
/// "Kyoto Protocol"), prizes and events ("Ramon Magsaysay Award", "French Revolution"): such
/// a name is miscellaneous.
pub(super) const WORK_HEADS: &[&str] = &[
    "Accord",
    "Act",
    "Agreement",
    "Award",
    "Awards",
    "Championship",
    "Championships",
    "Convention",
    "Declaration",
    "Earthquake",
    "Festival",
    "Licence",
    "License",
    "Olympics",
    "Pact",
    "Prize",
    "Protocol",
    "Revolution",
    "Treaty",
];

/// Words a name ends in that are written with a full stop: "Jr.", "Inc." (and the
/// [`STATE_ABBREVIATIONS`]). The stop is the name's (compared without it, any case).
pub(super) const ABBREVIATED_ENDS: &[&str] =
    &["jr", "sr", "inc", "ltd", "co", "corp", "cos", "bros"];

/// Postal abbreviations of US states newspapers write after a city ("Lubbock, Tex.", "Bethany,
/// Conn."), compared without their final stop, any case.
pub(crate) const STATE_ABBREVIATIONS: &[&str] = &[
    "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga", "ill", "ind", "kan", "kans",
    "ky", "la", "md", "mass", "mich", "minn", "miss", "mo", "mont", "neb", "nev", "okla", "ore",
    "pa", "tenn", "tex", "va", "vt", "wash", "wis", "wyo", "n.c", "n.d", "n.h", "n.j", "n.m",
    "n.y", "r.i", "s.c", "s.d", "w.va",
];

/// Titles written abbreviated before a name ("Sen. Jake Garn", "Rep. Bill Nelson"): alone, with
/// their stop, they are no one (compared without the stop, as written).
pub(super) const ABBREVIATED_TITLES: &[&str] = &[
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sen", "Rep", "Gov", "Gen", "Lt", "Col", "Maj", "Capt", "Sgt",
    "Adm", "Cmdr", "Rev", "Fr", "Hon", "Pres", "Supt", "Insp", "Cpl", "Pvt",
];
