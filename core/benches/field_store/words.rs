//! Deterministic text for the benchmark: a tiny random-number generator and word lists from a
//! neighbourhood team's notebook. Content words are drawn with a Zipf-like skew (a few very
//! common, most rare), street names and vehicle registrations add a long tail, as in real notes.

/// A 64-bit LCG with a mixed output: small, seeded, the same on every run.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9e37_79b9_7f4a_7c15)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let x = self.0;
        (x ^ (x >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9) ^ (x >> 32)
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        ((self.unit() * n as f64) as usize).min(n - 1)
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `0..n`, with probability roughly proportional to `1 / (k + 1)`.
    pub fn zipf(&mut self, n: usize) -> usize {
        let k = (n as f64 + 1.0).powf(self.unit()) as usize;
        k.saturating_sub(1).min(n - 1)
    }
}

const CONTENT: &str = "youths group bike bicycle moped scooter car van vehicle parked abandoned \
    shop shops store alley alleyway underpass park playground bench bus stop station subway \
    graffiti tagging litter fly tipping tipped mattress sofa rubbish bins fire smoke damage \
    broken window glass door fence gate garage shed burglary theft stolen shoplifting robbery \
    drugs cannabis smell dealing deal needles syringe drunk drinking alcohol cans bottles noise \
    music party shouting argument fight assault threatening abusive begging rough sleeper tent \
    dog dogs barking fouling loose horse neighbour neighbours resident residents elderly \
    vulnerable child children school pupils teenagers gang knife weapon suspicious male female \
    hoodie black grey white blue red dark jacket hat mask balaclava tracksuit trainers rucksack \
    speeding racing revving wheelies motorbike quad pavement parking obstruction blocking \
    driveway kerb junction roundabout crossing traffic lights lamp streetlight unlit dark camera \
    cctv footage doorbell councillor council housing officer landlord tenant flat flats tower \
    block stairwell lift communal entrance intercom fob keys lock padlock chain railings \
    community centre church mosque temple library pub takeaway chippy kebab off licence \
    newsagent pharmacy surgery launderette bookmakers market car-park multi-storey canal \
    towpath bridge footpath cut-through woodland field allotments cemetery recreation ground \
    football pitch skatepark swings reported report complaint complained concerned worried \
    scared intimidated advised warned moved dispersed spoke engaged reassured leaflet leaflets \
    visit visited revisit patrol patrolled hotspot repeat caller evening night morning \
    afternoon weekend late early daily weekly again ongoing resolved unresolved escalated \
    referral partner agency youth worker outreach meeting surgery priority problem issue";

const FUNCTION: &[&str] = &[
    "the", "a", "of", "near", "with", "and", "on", "at", "to", "was", "were", "by", "outside",
    "behind", "around", "from", "in", "for", "about", "after", "before", "again", "no", "some",
];

const STREETS: &str = "Ashby Barton Beech Birch Bramble Brook Carlton Cedar Church Clifton \
    Coronation Cromwell Dale Elm Fairfield Ferndale Forest Glebe Grange Green Grove Hawthorn \
    Highfield Hill Holly Kingsway Laburnum Larch Lime Linden Manor Maple Meadow Mill Moor \
    Nelson Oak Orchard Park Priory Queens Rectory Regent Ridgeway Riverside Rowan Sandringham \
    School Spring Station Stanley Sycamore Tennyson Vicarage Victoria Warwick Wellington \
    Westfield Willow Windsor York Quarrington Marchbank Eastgate Tollbar Holloway Pinfold";

const STREET_KINDS: &[&str] = &[
    "Road", "Street", "Lane", "Close", "Avenue", "Way", "Crescent", "Drive", "Court", "Walk",
];

/// The word lists, parsed once.
#[derive(Debug)]
pub struct Vocabulary {
    content: Vec<&'static str>,
    streets: Vec<&'static str>,
}

impl Vocabulary {
    pub fn new() -> Self {
        Self {
            content: CONTENT.split_whitespace().collect(),
            streets: STREETS.split_whitespace().collect(),
        }
    }

    /// One note: one to four short sentences.
    pub fn note(&self, rng: &mut Rng) -> String {
        let mut text = String::new();
        for _ in 0..1 + rng.below(4) {
            if !text.is_empty() {
                text.push(' ');
            }
            self.sentence(rng, &mut text);
        }
        text
    }

    fn sentence(&self, rng: &mut Rng, out: &mut String) {
        let words = 5 + rng.below(12);
        let start = out.len();
        for i in 0..words {
            if i > 0 {
                out.push(' ');
            }
            let roll = rng.unit();
            if roll < 0.30 {
                out.push_str(rng.pick(FUNCTION));
            } else if roll < 0.88 {
                out.push_str(self.content[rng.zipf(self.content.len())]);
            } else if roll < 0.96 {
                out.push_str(rng.pick(&self.streets));
                out.push(' ');
                out.push_str(rng.pick(STREET_KINDS));
            } else {
                push_registration(rng, out);
            }
        }
        if let Some(first) = out[start..].chars().next() {
            let upper = first.to_uppercase().to_string();
            out.replace_range(start..start + first.len_utf8(), &upper);
        }
        out.push('.');
    }

    /// What someone types into the search box: one word, sometimes two.
    pub fn query(&self, rng: &mut Rng) -> String {
        let words = if rng.chance(0.3) { 2 } else { 1 };
        let mut query = String::new();
        for _ in 0..words {
            if !query.is_empty() {
                query.push(' ');
            }
            if rng.chance(0.25) {
                query.push_str(rng.pick(&self.streets));
            } else {
                query.push_str(rng.pick(&self.content));
            }
        }
        query
    }
}

/// A UK-style registration such as `AB12 CDE`: almost every one is a new word in the index.
fn push_registration(rng: &mut Rng, out: &mut String) {
    const LETTERS: &[u8] = b"ABCDEFGHJKLMNOPRSTUVWXYZ";
    let letter = |rng: &mut Rng| char::from(LETTERS[rng.below(LETTERS.len())]);
    out.push(letter(rng));
    out.push(letter(rng));
    out.push_str(&format!("{:02} ", rng.below(75)));
    for _ in 0..3 {
        out.push(letter(rng));
    }
}
