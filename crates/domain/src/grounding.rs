//! The grounding check: is every figure an answer states supported by what its tools returned?
//!
//! **Reading figures.** [`figures`] finds the figures of a text as people write them (`1,234`,
//! `$1,234.56`, `€1.234`, `1.234,56 €`, `USD 1,234.50`, `1,234.50 USD`, `1.2k`, `3.4M`,
//! `1.5 million`, `4.5%`, `-12.3%`, `+8%`, `0.3 pp`, `3.49x`, `2.1 times`, `45s`, `2.2 min`,
//! `2m 11s`), each with a value, a precision (half a unit of its last written digit: `1.2k` is
//! 1200 ± 50, `4.5%` is 4.5 ± 0.05) and a [`FigureKind`]. Separators are read by context: with
//! both `,` and `.` the last is the decimal point; a lone `,` before exactly three digits groups
//! thousands (`1,234` is 1234) and before any other number of digits is a decimal comma (`12,5 €`);
//! a lone `.` before exactly three digits groups thousands in money (`€1.234` is 1234, since money
//! is written to the cent, never to a tenth of one) and is a decimal point elsewhere (`1.234` is
//! 1.234); two or more of one separator group thousands (`1.234.567`). An `m` after a number is a
//! million (`3.4m`) unless seconds follow it (`2m 11s` is 131 seconds). A range shares its unit
//! (`10–12%`, `$10–12`).
//!
//! These are not figures: dates (`2026-11-01`, `11/01/2026`, `1 Nov 2026`, `Nov 1`, `Nov 1–30`,
//! `31 Oct`), years (a bare whole number from 1990 to 2100, without separators, currency or unit),
//! timestamps and times of day (`06:00`, `6pm`), list numbers at a line's start (`1.`, `2)`),
//! ordinals (`21st`), ranks (`#1`), numbers inside words, identifiers, paths and links (`GA4`,
//! `Q4`, `v1beta`, `act_1029384756`, `/page-2`), the 4 of Google Analytics 4, the second term of a
//! ratio (`3:1`), anything in backtick code, and the base of a rate (`per 1,000 impressions`).
//!
//! **Checking them.** [`check`] types each number of the tool results by the key it sits under
//! (`spend` and `cpa` are money, `...Pct` keys percentages, `roas` a multiple, `...Secs` keys
//! seconds, `clicks` a count; a comparison's `current`, `previous` and `change` take its `metric`,
//! a breakdown's `total` its `measure`). A figure is supported, within its precision plus a tiny
//! relative epsilon, by a number of its kind or by a value derived as an analyst derives one:
//!
//! - money: a sum or difference of two amounts of one key, a cost per click, conversion, lead or
//!   thousand impressions within one row, an amount per day of a period;
//! - a percentage: a rate within one row (clicks over impressions), a share of a total (a
//!   campaign's part of the listed spend, a platform's part of two platforms'), the summed shares of
//!   the top rows, the rest of 100, a fraction written as a percentage, a percent change between
//!   two rows of one key; percentage points (`pp`): a change or a difference of rates;
//! - a multiple: a ratio of two rows' numbers of one key; a duration: seconds, or a difference;
//! - a count followed by its noun (`1,234 clicks`): only that metric's numbers, their sums,
//!   differences and daily averages; any other plain number: any result number (a whole one not a
//!   rate, multiple or duration), a sum or difference of counts, a count per day, a number of rows
//!   no larger than the longest list (`top 3`), or, before `days`, `weeks` or `months`, any whole
//!   number up to 400 (periods come from dates, which the check does not reckon with).
//!
//! A list's additive columns are summed (the spend of all campaigns listed) unless the result
//! gives the total. Derivations across keys stay within one object, and the two sides of a
//! comparison are not combined beyond their change, so that coincidences between unrelated numbers
//! do not support a figure; for the same reason a percent change between rows is tried only when
//! the results offer few enough pairs that a chance match is unlikely (`9% more` between two
//! platforms, `9.2%` between four campaigns), and only in the direction the words around it give
//! (`rose`, `more`; `fell`, `lower`), either when they give none. A zero matches within its written
//! precision too (`rose 0.0%`). Hedges widen the match: `about 1,200` is to the
//! nearest hundred; `over`, `more than`, `at least` and `1,000+` allow up to a quarter more;
//! `under`, `less than`, `nearly` and `almost` down to a fifth less. A figure written as a result
//! string writes it, beside the same word (the `1%` of a campaign named
//! `Acme | Lookalike 1% | Purchasers`), is supported; one in a name's place that differs from the
//! name (`Lookalike 2%`) is not.
//!
//! **Limits.** A wrong figure that equals another derivable value passes: the check knows units and
//! nouns, not which metric a sentence names, so a change swapped between metrics (`clicks rose
//! 7.9%` when sessions did) goes unnoticed. Signs are ignored (`down 12%` for a rise of 12%), a
//! truncated figure (`$1,234` for 1,234.57) is flagged, and claims without numbers ("spend
//! doubled") are not checked at all.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::analyst::Grounding;
use crate::value::Value;

/// What a figure measures, as the way it is written says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FigureKind {
    /// A percentage or percentage points (`4.5%`, `0.3 pp`); the value is in percent.
    Percent,
    /// An amount of money (`$1,234.56`, `1.234,56 €`, `USD 12`); the value is in currency units.
    Money,
    /// A multiple (`3.49x`, `2.1 times`).
    Multiple,
    /// A duration (`45s`, `2.2 min`, `2m 11s`); the value is in seconds.
    Duration,
    /// A number without a unit (`1,234`, `1.2k`, `30 days`).
    Plain,
}

/// A figure a text states: its value, how precisely it is written and what it measures.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    text: String,
    span: Range<usize>,
    value: f64,
    precision: f64,
    kind: FigureKind,
    detail: Detail,
}

impl Figure {
    /// The figure as written, trimmed (`$1,234.56`, `-12.3%`, `2m 11s`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where it is in the text, in bytes.
    pub fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    /// Its value: percent for percentages, currency units for money, seconds for durations;
    /// negative when written with a minus.
    pub const fn value(&self) -> f64 {
        self.value
    }

    /// Half a unit of its last written digit, in the unit of its value (50 for `1.2k`, 0.05 for
    /// `4.5%`, 0.5 for `2m 11s`).
    pub const fn precision(&self) -> f64 {
        self.precision
    }

    /// What it measures.
    pub const fn kind(&self) -> FigureKind {
        self.kind
    }
}

/// What the check needs to know of a figure beyond its public reading.
#[derive(Debug, Clone, PartialEq)]
struct Detail {
    /// How a hedge around it bounds the true value.
    bound: Bound,
    /// The rounding step its last nonzero written digit suggests (100 for `1,200`, 50 for
    /// `1,250`), in its value's unit.
    step: f64,
    /// The result keys a noun after it names (`1,234 clicks`).
    noun: Option<&'static [&'static str]>,
    /// Whether a time-unit word follows it (`30 days`), making it the length of a period.
    period: bool,
    /// Whether it is in percentage points (`0.3 pp`), a difference of rates.
    points: bool,
    /// What the written number is multiplied by (1000 for `1.2k`, 60 for `2 min`).
    factor: f64,
    /// How many decimals are written.
    decimals: i32,
    /// Where the written number is, in bytes.
    core: Range<usize>,
    /// The thousands separator written, if any.
    group: Option<char>,
    /// The decimal separator written, or that would be: `.` or `,`.
    point: char,
    /// Whether it is minutes and seconds (`2m 11s`).
    compound: bool,
}

/// How a hedge word before a figure bounds the value it stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Bound {
    /// No hedge: the figure as written, within its precision.
    Exact,
    /// `about`, `around`, `roughly`, `~`.
    About,
    /// `over`, `more than`, `at least`, `1,000+`.
    AtLeast,
    /// `under`, `less than`, `nearly`, `almost`.
    AtMost,
}

/// Every figure `text` states, in order, read by the rules of the [module](self).
pub fn figures(text: &str) -> Vec<Figure> {
    // Every figure has a digit; most strings of tool results (names, ids, notes) have none.
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return Vec::new();
    }
    let scanner = Scanner::new(text);
    let mut found = Vec::new();
    let mut date_end = None;
    let mut i = 0;
    while i < scanner.chars.len() {
        if scanner.at(i) == '`' {
            i = scanner.code_end(i);
        } else if scanner.word_starts(i) && scanner.is_link_or_plain(i) {
            // A link's numbers are not figures, and a token with neither digit nor backtick has
            // nothing to read: both are passed over whole.
            i = scanner.token_end(i);
        } else if scanner.number_starts(i) {
            match scanner.number(i, date_end) {
                Step::Found(figure, end) => {
                    found.push(*figure);
                    i = end;
                }
                Step::Skip { end, date } => {
                    if date {
                        date_end = Some(end);
                    }
                    i = end;
                }
            }
        } else {
            i += 1;
        }
    }
    join_ranges(text, &mut found);
    found
}

/// Checks every figure `answer` states against the numbers of `results` and the values derivable
/// from them; the figures without support are listed as written, once each, in answer order.
pub fn check(answer: &str, results: &[Value]) -> Grounding {
    let stated = figures(answer);
    let mut unsupported: Vec<String> = Vec::new();
    if !stated.is_empty() {
        let pool = Pool::new(results);
        for figure in &stated {
            if !pool.supports(figure, answer) && !unsupported.contains(&figure.text) {
                unsupported.push(figure.text.clone());
            }
        }
    }
    Grounding { grounded: unsupported.is_empty(), unsupported }
}

// ---------------------------------------------------------------------------------------------
// Reading figures.

/// Currency symbols written before or after an amount.
const SYMBOLS: [char; 5] = ['$', '€', '£', '¥', '₹'];
/// Currency codes written before or after an amount (`USD 12`, `12 EUR`).
const CODES: [&str; 20] = [
    "USD", "EUR", "GBP", "AUD", "CAD", "NZD", "CHF", "JPY", "INR", "SEK", "NOK", "DKK", "PLN", "BRL", "MXN", "ZAR",
    "SGD", "HKD", "CZK", "AED",
];
const CURRENCY_WORDS: [&str; 6] = ["dollars", "dollar", "euros", "euro", "pounds", "pound"];
const PERCENT_WORDS: [&str; 3] = ["percent", "per cent", "pct"];
const POINT_WORDS: [&str; 7] = ["percentage points", "percentage point", "pp", "p.p.", "ppts", "ppt", "pts"];
const SECOND_WORDS: [&str; 5] = ["seconds", "second", "secs", "sec", "s"];
const MINUTE_WORDS: [&str; 4] = ["minutes", "minute", "mins", "min"];
const PERIOD_WORDS: [&str; 18] = [
    "days", "day", "weeks", "week", "months", "month", "quarters", "quarter", "years", "year", "hours", "hour", "hrs",
    "hr", "yrs", "yr", "wks", "wk",
];
const MONTHS: [&str; 23] = [
    "january",
    "february",
    "march",
    "april",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
    "jan",
    "feb",
    "mar",
    "apr",
    "jun",
    "jul",
    "aug",
    "sep",
    "sept",
    "oct",
    "nov",
    "dec",
];
/// Words between a count and its noun that keep the noun's meaning (`234 more clicks`).
const MODIFIERS: [&str; 8] = ["more", "fewer", "less", "additional", "extra", "total", "further", "net"];
/// Nouns that say which metric a count is, and the result keys that hold it.
const NOUNS: [(&str, &[&str]); 19] = [
    ("new users", &["newUsers"]),
    ("engaged sessions", &["engagedSessions"]),
    ("page views", &["pageviews", "views"]),
    ("pageviews", &["pageviews", "views"]),
    ("views", &["pageviews", "views"]),
    ("clicks", &["clicks"]),
    ("click", &["clicks"]),
    ("impressions", &["impressions"]),
    ("conversions", &["conversions"]),
    ("conversion", &["conversions"]),
    ("leads", &["leads"]),
    ("lead", &["leads"]),
    ("sessions", &["sessions"]),
    ("session", &["sessions"]),
    ("visits", &["sessions"]),
    ("users", &["users"]),
    ("user", &["users"]),
    ("campaigns", &["campaigns"]),
    ("campaign", &["campaigns"]),
];

/// What reading at a digit gave.
enum Step {
    /// A figure, and where reading goes on.
    Found(Box<Figure>, usize),
    /// Not a figure; reading goes on at `end`. `date` when it was a date, for `Nov 1–30`.
    Skip { end: usize, date: bool },
}

/// How a number's unit reads.
struct Unit {
    kind: FigureKind,
    factor: f64,
    end: usize,
    period: bool,
    money: bool,
    /// Whether it is in percentage points (`0.3 pp`).
    points: bool,
    /// The seconds of `2m 11s`: their value and decimals.
    seconds: Option<(f64, i32)>,
}

impl Unit {
    const fn new(kind: FigureKind, factor: f64, end: usize) -> Self {
        Self { kind, factor, end, period: false, money: false, points: false, seconds: None }
    }
}

/// What follows a number: its unit, or a sign that it is not a figure.
enum Tail {
    Unit(Unit),
    Skip(usize, bool),
}

/// The digits and separators of a number, read.
#[derive(Debug, PartialEq)]
struct Reading {
    value: f64,
    decimals: i32,
    /// How many characters of the raw number the reading used (fewer when its grouping is not one).
    used: usize,
    /// The rounding step of the last nonzero digit: its place value, five times it for a 5.
    step: f64,
    group: Option<char>,
    comma_decimal: bool,
}

/// A text as characters, with the byte offset of each.
struct Scanner<'a> {
    text: &'a str,
    chars: Vec<char>,
    offsets: Vec<usize>,
}

/// Whether `chars` are one of the currency [`CODES`].
fn is_code(chars: &[char]) -> bool {
    chars.len() == 3
        && chars.iter().all(char::is_ascii_uppercase)
        && CODES.iter().any(|code| code.chars().eq(chars.iter().copied()))
}

/// A word lowercased for comparing with the hedge and rate words, without allocating: those are
/// ASCII and short, so a longer word or one with other letters is kept as one that matches none.
#[derive(Default)]
struct Word {
    letters: [u8; Word::CAPACITY],
    len: usize,
}

impl Word {
    /// Longer than every word it is compared with (`approximately`).
    const CAPACITY: usize = 16;

    fn of(chars: &[char]) -> Self {
        let mut word = Self::default();
        if chars.len() <= Self::CAPACITY && chars.iter().all(char::is_ascii) {
            for (slot, c) in word.letters.iter_mut().zip(chars) {
                *slot = u8::try_from(*c).map_or(0, |b| b.to_ascii_lowercase());
            }
            word.len = chars.len();
        } else {
            // No compared word holds a NUL, so this matches none of them.
            word.len = 1;
        }
        word
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.letters[..self.len]).unwrap_or_default()
    }
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

const fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

const fn is_separator(c: char) -> bool {
    matches!(c, ',' | '.' | '\u{a0}' | '\u{202f}' | '\u{2009}')
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        if text.is_ascii() {
            // One character per byte: no decoding, and each offset is its index.
            let chars = text.bytes().map(char::from).collect();
            return Self { text, chars, offsets: (0..=text.len()).collect() };
        }
        // A text has at most as many characters as bytes.
        let mut chars = Vec::with_capacity(text.len());
        let mut offsets = Vec::with_capacity(text.len() + 1);
        for (offset, c) in text.char_indices() {
            offsets.push(offset);
            chars.push(c);
        }
        offsets.push(text.len());
        Self { text, chars, offsets }
    }

    /// The character at `i`, or NUL past the end.
    fn at(&self, i: usize) -> char {
        self.chars.get(i).copied().unwrap_or('\0')
    }

    /// The character before `i`, or NUL at the start.
    fn before(&self, i: usize) -> char {
        i.checked_sub(1).map_or('\0', |k| self.at(k))
    }

    fn digits(&self, i: usize) -> usize {
        self.chars.get(i..).map_or(0, |rest| rest.iter().take_while(|c| c.is_ascii_digit()).count())
    }

    /// Past one space at `i`, if there is one.
    fn spaced(&self, i: usize) -> usize {
        if is_space(self.at(i)) { i + 1 } else { i }
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while is_space(self.at(i)) {
            i += 1;
        }
        i
    }

    /// The end of `phrase` (lowercase) when the text at `i` is it, case-insensitively, as a whole
    /// word.
    fn phrase(&self, i: usize, phrase: &str) -> Option<usize> {
        // Most calls fail at the first character: say so before walking the phrase. Of the other
        // characters only the Kelvin sign lowercases to an ASCII letter (`k`).
        if let (Some(&p), c) = (phrase.as_bytes().first(), self.at(i)) {
            if p.is_ascii() && !c.eq_ignore_ascii_case(&char::from(p)) && c != '\u{212a}' {
                return None;
            }
        }
        let mut k = i;
        for p in phrase.chars() {
            let c = self.at(k);
            let same = if c.is_ascii() && p.is_ascii() {
                c.eq_ignore_ascii_case(&p)
            } else {
                c.to_lowercase().eq(p.to_lowercase())
            };
            if !same {
                return None;
            }
            k += 1;
        }
        let ends_in_word = phrase.chars().last().is_some_and(is_word);
        (!ends_in_word || !is_word(self.at(k))).then_some(k)
    }

    /// The end of the longest of `phrases` at `i`.
    /// Every list of phrases starts each with a letter, so none is at a character that is not one.
    fn any_phrase(&self, i: usize, phrases: &[&str]) -> Option<usize> {
        let c = self.at(i);
        if !c.is_alphabetic() {
            return None;
        }
        // Only the phrases that start with this letter can be here (the Kelvin sign reads as `k`).
        let first = if c == '\u{212a}' { b'k' } else { u8::try_from(c).map_or(0, |b| b.to_ascii_lowercase()) };
        phrases
            .iter()
            .filter(|p| first == 0 || p.as_bytes().first() == Some(&first))
            .filter_map(|p| self.phrase(i, p))
            .max()
    }

    /// The lowercase word (letters) that ends just before `i`, past spaces, and where it starts.
    fn word_before(&self, i: usize) -> Option<(Word, usize)> {
        let mut k = i;
        while k > 0 && is_space(self.chars[k - 1]) {
            k -= 1;
        }
        let end = k;
        while k > 0 && self.chars[k - 1].is_alphabetic() {
            k -= 1;
        }
        (k < end).then(|| (Word::of(&self.chars[k..end]), k))
    }

    /// The end of a month's name at `i` (`May` only capitalised, since "may" is also a verb).
    fn month_at(&self, i: usize) -> Option<usize> {
        if let Some(end) = self.phrase(i, "may") {
            return (self.at(i) == 'M').then_some(end);
        }
        let end = self.any_phrase(i, &MONTHS)?;
        Some(if self.at(end) == '.' { end + 1 } else { end })
    }

    fn month_before(&self, i: usize) -> bool {
        let mut k = i;
        while k > 0 && (is_space(self.chars[k - 1]) || self.chars[k - 1] == '.') {
            k -= 1;
        }
        self.word_before(k).is_some_and(|(_, start)| self.month_at(start).is_some_and(|end| end >= k))
    }

    fn code_end(&self, i: usize) -> usize {
        let ticks = self.chars[i..].iter().take_while(|&&c| c == '`').count();
        let mut k = i + ticks;
        while k < self.chars.len() {
            let run = self.chars[k..].iter().take_while(|&&c| c == '`').count();
            if run == ticks {
                return k + run;
            }
            k += run.max(1);
        }
        i + ticks
    }

    fn word_starts(&self, i: usize) -> bool {
        let prev = self.before(i);
        prev == '\0' || prev.is_whitespace() || matches!(prev, '(' | '[' | '<' | '"' | '\'')
    }

    /// Whether the token at `i` is a link or a path, or holds neither a digit nor a backtick.
    fn is_link_or_plain(&self, i: usize) -> bool {
        let token = &self.chars[i..self.token_end(i).min(self.chars.len())];
        !token.iter().any(|&c| c.is_ascii_digit() || c == '`') || Self::is_link(token)
    }

    /// Whether `token` is a link or a path (`https://...`, `www.`, `/page-2`).
    fn is_link(token: &[char]) -> bool {
        token.windows(3).any(|w| w == [':', '/', '/'])
            || token.starts_with(&['w', 'w', 'w', '.'])
            || (token.first() == Some(&'/') && token.get(1).copied().is_some_and(is_word))
    }

    fn token_end(&self, i: usize) -> usize {
        let mut k = i;
        while k < self.chars.len() && !self.chars[k].is_whitespace() {
            k += 1;
        }
        k.max(i + 1)
    }

    /// The end of an identifier that a digit at `i` is part of (`GA4`, `act_123`, `v1beta`).
    fn identifier_end(&self, i: usize) -> usize {
        let mut k = i;
        while k < self.chars.len() {
            let c = self.chars[k];
            if is_word(c) || (matches!(c, '.' | '-' | '/' | ':') && is_word(self.at(k + 1))) {
                k += 1;
            } else {
                break;
            }
        }
        k.max(i + 1)
    }

    fn number_starts(&self, i: usize) -> bool {
        let c = self.at(i);
        c.is_ascii_digit()
            || (c == '.' && self.at(i + 1).is_ascii_digit() && !is_word(self.before(i)) && self.before(i) != '.')
    }

    /// Reads the number whose first digit is at `i`.
    fn number(&self, i: usize, date_end: Option<usize>) -> Step {
        let skip = |end: usize| Step::Skip { end, date: false };
        let prev = self.before(i);
        let mut currency = None;
        if is_word(prev) {
            match self.code_ending_at(i) {
                Some(start) => currency = Some(start),
                None => return skip(self.identifier_end(i)),
            }
        } else if (matches!(prev, '-' | '–' | '.')
            && i >= 2
            && is_word(self.chars[i - 2])
            && !self.chars[i - 2].is_ascii_digit())
            || matches!(prev, '/' | '\\' | '#' | '@')
            || (prev == ':' && self.before(i - 1).is_ascii_digit())
        {
            return skip(self.identifier_end(i));
        }
        if let Some((end, date)) = self.date_or_time(i) {
            return Step::Skip { end, date };
        }
        let mut raw_end = i;
        while self.at(raw_end).is_ascii_digit()
            || (is_separator(self.at(raw_end)) && self.at(raw_end + 1).is_ascii_digit())
        {
            raw_end += 1;
        }
        let currency = currency.or_else(|| self.currency_before(i));
        let money_after = {
            let (_, k) = self.multiplier(raw_end);
            self.currency_after(k).is_some()
        };
        let reading = interpret(&self.chars[i..raw_end], currency.is_some() || money_after);
        if !reading.value.is_finite() || reading.used == 0 {
            return skip(raw_end);
        }
        let core_end = i + reading.used;
        let unit = if reading.used < raw_end - i {
            Unit::new(FigureKind::Plain, 1.0, core_end)
        } else {
            match self.tail(core_end, &reading, raw_end - i) {
                Tail::Unit(unit) => unit,
                Tail::Skip(end, date) => return Step::Skip { end, date },
            }
        };
        let mut start = currency.unwrap_or(i);
        let sign = self.before(start);
        let signed = matches!(sign, '-' | '−' | '+') && !is_word(self.before(start.saturating_sub(1)));
        let negative = signed && sign != '+';
        if signed {
            start -= 1;
        }
        let money = currency.is_some() || unit.money;
        if let Some(end) = self.not_a_figure(i, start, &reading, &unit, money, date_end) {
            return Step::Skip { end: end.0, date: end.1 };
        }
        let (figure, end) = self.figure(i..core_end, start, &reading, &unit, money, negative);
        Step::Found(Box::new(figure), end)
    }

    /// The end of a date, timestamp or time of day at `i`, and whether it is a date.
    fn date_or_time(&self, i: usize) -> Option<(usize, bool)> {
        let d1 = self.digits(i);
        let j = i + d1;
        let after = self.at(j);
        if d1 == 4 && after == '-' && self.digits(j + 1) == 2 {
            let mut k = j;
            while k < self.chars.len()
                && !self.chars[k].is_whitespace()
                && !matches!(self.chars[k], ',' | ';' | ')' | ']' | '}' | '"' | '\'')
            {
                k += 1;
            }
            return Some((k, true));
        }
        if (1..=4).contains(&d1) && after == '/' && self.at(j + 1).is_ascii_digit() {
            let mut k = j;
            while self.at(k).is_ascii_digit() || (self.at(k) == '/' && self.at(k + 1).is_ascii_digit()) {
                k += 1;
            }
            return Some((k, true));
        }
        if (1..=2).contains(&d1) && after == '.' {
            let d2 = self.digits(j + 1);
            let k = j + 1 + d2;
            if (1..=2).contains(&d2) && self.at(k) == '.' && matches!(self.digits(k + 1), 2 | 4) {
                return Some((k + 1 + self.digits(k + 1), true));
            }
        }
        if (1..=2).contains(&d1) && after == ':' && self.digits(j + 1) == 2 {
            let mut k = j;
            while self.at(k).is_ascii_digit() || (matches!(self.at(k), ':' | '.') && self.at(k + 1).is_ascii_digit()) {
                k += 1;
            }
            let k = self.any_phrase(self.spaced(k), &["am", "pm", "a.m.", "p.m."]).unwrap_or(k);
            return Some((k, false));
        }
        None
    }

    /// Where a currency code written just before `i` starts (`USD1,234`).
    fn code_ending_at(&self, i: usize) -> Option<usize> {
        let start = i.checked_sub(3)?;
        (is_code(&self.chars[start..i]) && !is_word(self.before(start))).then_some(start)
    }

    /// Where a currency written before the number at `i` starts (`$`, `US$`, `€ `, `USD `).
    fn currency_before(&self, i: usize) -> Option<usize> {
        let symbol_at = |k: usize| -> Option<usize> {
            if !SYMBOLS.contains(&self.at(k)) {
                return None;
            }
            let mut start = k;
            while start > 0 && self.chars[start - 1].is_ascii_uppercase() && k - start < 3 {
                start -= 1;
            }
            if start < k && is_word(self.before(start)) {
                start = k;
            }
            Some(start)
        };
        if i >= 1 {
            if let Some(start) = symbol_at(i - 1) {
                return Some(start);
            }
        }
        if i >= 2 && is_space(self.chars[i - 1]) {
            if let Some(start) = symbol_at(i - 2) {
                return Some(start);
            }
            return self.code_ending_at(i - 1);
        }
        None
    }

    /// The end of a currency written after a number that ends at `k` (`€`, ` USD`, ` euros`).
    fn currency_after(&self, k: usize) -> Option<usize> {
        let s = self.spaced(k);
        if SYMBOLS.contains(&self.at(s)) {
            return Some(s + 1);
        }
        if s > k {
            if self.chars.get(s..s + 3).is_some_and(is_code) && !is_word(self.at(s + 3)) {
                return Some(s + 3);
            }
            return self.any_phrase(s, &CURRENCY_WORDS);
        }
        None
    }

    /// A multiplier after a number ending at `e` (`k`, `M`, `bn`, ` million`) and its end.
    fn multiplier(&self, e: usize) -> (f64, usize) {
        let bare = !is_word(self.at(e + 1));
        match self.at(e) {
            'k' | 'K' if bare => return (1e3, e + 1),
            'm' | 'M' if bare => return (1e6, e + 1),
            'B' if bare => return (1e9, e + 1),
            _ => {}
        }
        if let Some(end) = self.phrase(e, "mn") {
            return (1e6, end);
        }
        if let Some(end) = self.phrase(e, "bn") {
            return (1e9, end);
        }
        let s = self.spaced(e);
        if s > e {
            for (word, factor) in [("thousand", 1e3), ("million", 1e6), ("mn", 1e6), ("billion", 1e9), ("bn", 1e9)] {
                if let Some(end) = self.phrase(s, word) {
                    return (factor, end);
                }
            }
        }
        (1.0, e)
    }

    /// A duration's unit after a number ending at `e`: seconds, minutes, or minutes and seconds.
    fn duration(&self, e: usize) -> Option<Unit> {
        let s = self.spaced(e);
        let minutes = self.any_phrase(s, &MINUTE_WORDS);
        let bare_m = (matches!(self.at(e), 'm' | 'M') && !is_word(self.at(e + 1))).then_some(e + 1);
        if let Some(m_end) = minutes.or(bare_m) {
            let mut k = self.skip_spaces(m_end);
            if let Some(and) = self.phrase(k, "and") {
                k = self.skip_spaces(and);
            }
            if let Some((secs, decimals, end)) = self.simple_number(k) {
                if let Some(end) = self.any_phrase(self.spaced(end), &SECOND_WORDS) {
                    let mut unit = Unit::new(FigureKind::Duration, 60.0, end);
                    unit.seconds = Some((secs, decimals));
                    return Some(unit);
                }
            }
            return minutes.map(|end| Unit::new(FigureKind::Duration, 60.0, end));
        }
        self.any_phrase(s, &SECOND_WORDS).map(|end| Unit::new(FigureKind::Duration, 1.0, end))
    }

    /// A number of digits with an optional decimal part at `k`, its decimals and its end.
    fn simple_number(&self, k: usize) -> Option<(f64, i32, usize)> {
        let whole = self.digits(k);
        if whole == 0 {
            return None;
        }
        let mut end = k + whole;
        let mut decimals = 0;
        if self.at(end) == '.' && self.at(end + 1).is_ascii_digit() {
            decimals = self.digits(end + 1);
            end += 1 + decimals;
        }
        let text: String = self.chars[k..end].iter().collect();
        Some((text.parse().ok()?, i32::try_from(decimals).ok()?, end))
    }

    /// What follows a number whose digits end at `e`.
    fn tail(&self, e: usize, reading: &Reading, raw_len: usize) -> Tail {
        let integer = reading.decimals == 0;
        let value = reading.value;
        if let (true, Some(end)) = (integer, self.any_phrase(e, &["st", "nd", "rd", "th"])) {
            return Tail::Skip(end, false);
        }
        if integer && value <= 12.0 {
            if let Some(end) = self.any_phrase(self.spaced(e), &["am", "pm", "a.m.", "p.m."]) {
                return Tail::Skip(end, false);
            }
        }
        if integer && (1.0..=31.0).contains(&value) && reading.group.is_none() {
            if let Some(end) = self.month_at(self.skip_spaces(e)) {
                return Tail::Skip(end, true);
            }
            if matches!(self.at(e), '-' | '–') {
                let d = self.digits(e + 1);
                if (1..=2).contains(&d) && self.month_at(self.skip_spaces(e + 1 + d)).is_some() {
                    return Tail::Skip(e + 1 + d, true);
                }
            }
        }
        if integer && raw_len == 4 && is_year(value) && self.phrase(e, "s").is_some() {
            return Tail::Skip(e + 1, true);
        }
        if let Some(unit) = self.percent_or_multiple(e) {
            return Tail::Unit(unit);
        }
        if let Some(unit) = self.duration(e) {
            return Tail::Unit(unit);
        }
        let hyphen = (self.at(e) == '-').then(|| self.any_phrase(e + 1, &PERIOD_WORDS)).flatten();
        let attached = (matches!(self.at(e), 'd' | 'h' | 'w') && !is_word(self.at(e + 1))).then_some(e + 1);
        if let Some(end) = self.any_phrase(self.spaced(e), &PERIOD_WORDS).or(hyphen).or(attached) {
            let mut unit = Unit::new(FigureKind::Plain, 1.0, end);
            unit.period = true;
            return Tail::Unit(unit);
        }
        let (factor, k) = self.multiplier(e);
        let money_end = self.currency_after(k);
        let end = money_end.unwrap_or(k);
        if is_word(self.at(end)) && end == e {
            return Tail::Skip(self.identifier_end(e), false);
        }
        let mut unit = Unit::new(FigureKind::Plain, factor, end);
        unit.money = money_end.is_some();
        Tail::Unit(unit)
    }

    fn percent_or_multiple(&self, e: usize) -> Option<Unit> {
        let s = self.spaced(e);
        let points = |end: usize| {
            let mut unit = Unit::new(FigureKind::Percent, 1.0, end);
            unit.points = true;
            unit
        };
        if self.at(s) == '%' {
            return Some(match self.any_phrase(self.spaced(s + 1), &["points", "point", "pts"]) {
                Some(end) => points(end),
                None => Unit::new(FigureKind::Percent, 1.0, s + 1),
            });
        }
        if let Some(end) = self.any_phrase(s, &POINT_WORDS) {
            return Some(points(end));
        }
        if let Some(end) = self.any_phrase(s, &PERCENT_WORDS) {
            return Some(Unit::new(FigureKind::Percent, 1.0, end));
        }
        if matches!(self.at(e), 'x' | 'X') && !is_word(self.at(e + 1)) || self.at(s) == '×' {
            return Some(Unit::new(FigureKind::Multiple, 1.0, s + 1));
        }
        self.phrase(s, "times").map(|end| Unit::new(FigureKind::Multiple, 1.0, end))
    }

    /// When the number at `i` (its figure starting at `start`) is not a figure after all: a year,
    /// a list number, a day of a month, the base of a rate. The end to go on from, and whether it
    /// was a date.
    fn not_a_figure(
        &self,
        i: usize,
        start: usize,
        reading: &Reading,
        unit: &Unit,
        money: bool,
        date_end: Option<usize>,
    ) -> Option<(usize, bool)> {
        let core_end = i + reading.used;
        let bare = unit.kind == FigureKind::Plain && !money && is_one(unit.factor) && !unit.period;
        let whole = bare && reading.decimals == 0 && reading.group.is_none() && start == i;
        let noun = self.noun_after(unit.end).is_some();
        if whole && core_end - i == 4 && is_year(reading.value) && !noun {
            return Some((unit.end, true));
        }
        if whole && core_end - i <= 3 && matches!(self.at(core_end), '.' | ')') && self.line_starts_before(start) {
            let next = self.at(core_end + 1);
            if next == '\0' || next.is_whitespace() {
                return Some((core_end + 1, false));
            }
        }
        if whole && reading.value <= 31.0 {
            if self.month_before(start) {
                return Some((unit.end, true));
            }
            if let Some(d) = date_end {
                let between: String = self.chars.get(d..start).map(|c| c.iter().collect()).unwrap_or_default();
                if matches!(between.trim(), "-" | "–" | "—" | "to") {
                    return Some((unit.end, true));
                }
            }
        }
        // The base of a rate (`per 1,000 impressions`), and the 4 of Google Analytics 4.
        let word = self.word_before(start).map(|(w, _)| w).unwrap_or_default();
        if matches!(word.as_str(), "per" | "every")
            || (whole && word.as_str() == "analytics" && (reading.value - 4.0).abs() < f64::EPSILON)
        {
            return Some((unit.end, false));
        }
        None
    }

    /// Whether only spaces and Markdown markers stand between the line's start and `i`.
    fn line_starts_before(&self, i: usize) -> bool {
        self.chars[..i]
            .iter()
            .rev()
            .take_while(|&&c| c != '\n')
            .all(|&c| c.is_whitespace() || matches!(c, '#' | '>' | '*' | '-' | '+'))
    }

    /// The hedge before a figure starting at `start`.
    fn bound_before(&self, start: usize) -> Bound {
        let mut k = start;
        while k > 0 && is_space(self.chars[k - 1]) {
            k -= 1;
        }
        if matches!(self.before(k), '~' | '≈') {
            return Bound::About;
        }
        if self.before(k) == '.' {
            k -= 1;
        }
        let Some((word, word_start)) = self.word_before(k) else { return Bound::Exact };
        let earlier = self.word_before(word_start).map(|(w, _)| w).unwrap_or_default();
        match (earlier.as_str(), word.as_str()) {
            (_, "about" | "around" | "roughly" | "approximately" | "approx" | "circa" | "ca" | "some")
            | ("close", "to") => Bound::About,
            (_, "over" | "above" | "exceeding" | "beyond")
            | ("more" | "greater" | "higher", "than")
            | ("at", "least")
            | ("upwards" | "north", "of") => Bound::AtLeast,
            (_, "nearly" | "almost" | "under" | "below")
            | ("less" | "fewer" | "lower", "than")
            | ("at", "most")
            | ("up", "to") => Bound::AtMost,
            _ => Bound::Exact,
        }
    }

    /// The result keys a noun after `end` names (`1,234 clicks`, `234 more clicks`).
    fn noun_after(&self, end: usize) -> Option<&'static [&'static str]> {
        let noun_at = |k: usize| NOUNS.iter().find(|(noun, _)| self.phrase(k, noun).is_some()).map(|(_, keys)| *keys);
        let k = self.skip_spaces(end);
        if k == end {
            return None;
        }
        noun_at(k).or_else(|| {
            let m = self.any_phrase(k, &MODIFIERS)?;
            let after = self.skip_spaces(m);
            (after > m).then(|| noun_at(after)).flatten()
        })
    }

    fn figure(
        &self,
        core: Range<usize>,
        start: usize,
        reading: &Reading,
        unit: &Unit,
        money: bool,
        negative: bool,
    ) -> (Figure, usize) {
        let mut end = unit.end;
        let mut bound = self.bound_before(start);
        if self.at(end) == '+' && !self.at(end + 1).is_ascii_digit() {
            end += 1;
            bound = Bound::AtLeast;
        }
        let kind = if money && unit.kind == FigureKind::Plain { FigureKind::Money } else { unit.kind };
        let half = 0.5 * 10f64.powi(-reading.decimals);
        let (value, precision, step) = match unit.seconds {
            Some((secs, decimals)) => {
                let half_second = 0.5 * 10f64.powi(-decimals);
                (reading.value * 60.0 + secs, half_second, 2.0 * half_second)
            }
            None => (reading.value * unit.factor, half * unit.factor, reading.step * unit.factor),
        };
        let noun = if kind == FigureKind::Plain && !unit.period { self.noun_after(end) } else { None };
        let span = self.offsets[start]..self.offsets[end];
        let figure = Figure {
            text: self.text[span.clone()].trim().to_owned(),
            span,
            value: if negative { -value } else { value },
            precision,
            kind,
            detail: Detail {
                bound,
                step,
                noun,
                period: unit.period,
                points: unit.points,
                factor: unit.factor,
                decimals: reading.decimals,
                core: self.offsets[core.start]..self.offsets[core.end],
                group: reading.group,
                point: if reading.comma_decimal { ',' } else { '.' },
                compound: unit.seconds.is_some(),
            },
        };
        (figure, end)
    }
}

/// Whether a multiplier is none (the factors are exact constants: 1, 60, 1000, ...).
fn is_one(factor: f64) -> bool {
    (factor - 1.0).abs() < f64::EPSILON
}

const fn is_year(value: f64) -> bool {
    value >= 1990.0 && value <= 2100.0
}

/// Reads digits and separators (`1,234.56`, `1.234,56`, `1.234`, `12,5`) by the rules of the
/// [module](self); `money` says a currency is written with it.
fn interpret(raw: &[char], money: bool) -> Reading {
    // The groups of digits between separators, as ranges of `raw`, and the separators.
    let mut groups: Vec<Range<usize>> = Vec::with_capacity(4);
    groups.push(0..0);
    let mut seps: Vec<char> = Vec::new();
    for (k, &c) in raw.iter().enumerate() {
        if c.is_ascii_digit() {
            if let Some(group) = groups.last_mut() {
                group.end = k + 1;
            }
        } else {
            seps.push(if c == ',' || c == '.' { c } else { ' ' });
            groups.push(k + 1..k + 1);
        }
    }
    let digits = Digits { raw, groups: &groups };
    if let Some((group, decimal)) = layout(&digits, &seps, money) {
        let mut reading = compose(&digits, group, decimal, raw.len());
        reading.comma_decimal = decimal.is_some_and(|d| seps[d] == ',');
        reading
    } else {
        let first = Digits { raw, groups: &groups[..1] };
        compose(&first, None, None, groups[0].len())
    }
}

/// A number's groups of digits: ranges of the characters read.
struct Digits<'a> {
    raw: &'a [char],
    groups: &'a [Range<usize>],
}

impl Digits<'_> {
    fn len(&self, group: usize) -> usize {
        self.groups[group].len()
    }

    fn starts_with_zero(&self, group: usize) -> bool {
        self.raw.get(self.groups[group].start) == Some(&'0') && !self.groups[group].is_empty()
    }

    fn chars(&self, groups: Range<usize>) -> impl Iterator<Item = char> + '_ {
        self.groups[groups].iter().flat_map(|g| self.raw[g.clone()].iter().copied())
    }
}

/// Which separator groups thousands and which group of digits (by index) ends the whole part when
/// there is a decimal separator; `None` when the separators are not a number's.
fn layout(digits: &Digits<'_>, seps: &[char], money: bool) -> Option<(Option<char>, Option<usize>)> {
    let Some(&last) = seps.last() else { return Some((None, None)) };
    let grouping = |groups: usize| {
        (1..=3).contains(&digits.len(0)) && !digits.starts_with_zero(0) && (1..groups).all(|g| digits.len(g) == 3)
    };
    let all = digits.groups.len();
    if seps.iter().all(|&s| s == last) {
        if seps.len() >= 2 {
            return grouping(all).then_some((Some(last), None));
        }
        let thousands = digits.len(1) == 3 && grouping(all) && (last != '.' || money);
        return match last {
            _ if thousands => Some((Some(last), None)),
            '.' => Some((None, Some(0))),
            ',' if digits.len(0) > 0 => Some((None, Some(0))),
            _ => None,
        };
    }
    let k = seps.len();
    let group = seps[0];
    let valid = last != ' ' && seps[..k - 1].iter().all(|&s| s == group) && grouping(k);
    valid.then_some((Some(group), Some(k - 1)))
}

fn compose(digits: &Digits<'_>, group: Option<char>, decimal: Option<usize>, used: usize) -> Reading {
    let all = digits.groups.len();
    let (whole, fraction) = match decimal {
        Some(d) => (0..d + 1, d + 1..d + 2),
        None => (0..all, all..all),
    };
    // The number as Rust reads one: `whole.fraction`.
    let mut number = String::with_capacity(used + 2);
    number.extend(digits.chars(whole));
    let whole_len = number.len();
    if whole_len == 0 {
        number.push('0');
    }
    number.push('.');
    let point = number.len();
    number.extend(digits.chars(fraction));
    let decimals = i32::try_from(number.len() - point).unwrap_or(i32::MAX);
    let value = number.parse().unwrap_or(f64::NAN);
    // Written decimals are significant; trailing zeros of a whole number may only be rounding.
    let whole_digits = &number.as_bytes()[..whole_len];
    let step = match whole_digits.iter().rposition(|&b| b != b'0') {
        Some(p) if decimals == 0 && p + 1 < whole_len => {
            let place = 10f64.powi(i32::try_from(whole_len - 1 - p).unwrap_or(i32::MAX));
            if whole_digits[p] == b'5' { 5.0 * place } else { place }
        }
        _ => 10f64.powi(-decimals),
    };
    Reading { value, decimals, used, step, group, comma_decimal: false }
}

/// Lets a range's ends share a unit (`10–12%`, `$10–12`, `1.2–1.5k`, `7 to 14 days`).
fn join_ranges(text: &str, found: &mut [Figure]) {
    for i in 1..found.len() {
        let (left, right) = found.split_at_mut(i);
        let (a, b) = (&mut left[i - 1], &mut right[0]);
        let between = text.get(a.span.end..b.span.start).unwrap_or_default();
        if !matches!(between.trim(), "-" | "–" | "—" | "to") || between.contains('\n') {
            continue;
        }
        if a.kind == FigureKind::Plain && !a.detail.period && is_one(a.detail.factor) && !is_one(b.detail.factor) {
            let factor = b.detail.factor;
            a.value *= factor;
            a.precision *= factor;
            a.detail.step *= factor;
            a.detail.factor = factor;
        }
        if a.kind == FigureKind::Plain && !a.detail.period && b.kind != FigureKind::Plain {
            a.kind = b.kind;
        }
        if b.kind == FigureKind::Plain && a.kind == FigureKind::Money {
            b.kind = FigureKind::Money;
        }
        if a.kind == FigureKind::Plain {
            a.detail.noun = a.detail.noun.or(b.detail.noun);
            a.detail.period |= b.detail.period;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Checking figures.

/// What a result key measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    Money,
    Percent,
    Multiple,
    Seconds,
    Count,
    Days,
    Other,
}

fn category(key: &str) -> Category {
    match key {
        "spend" | "cpc" | "cpm" | "cpa" | "cpl" | "conversionValue" => Category::Money,
        "roas" => Category::Multiple,
        "days" => Category::Days,
        "impressions" | "clicks" | "conversions" | "leads" | "sessions" | "users" | "newUsers" | "pageviews"
        | "engagedSessions" | "views" | "entries" | "campaigns" => Category::Count,
        k if k.ends_with("Pct") => Category::Percent,
        k if k.ends_with("Secs") => Category::Seconds,
        _ => Category::Other,
    }
}

/// Whether `key` is a share of a whole (`sharePct`, `spendSharePct`), which add up.
fn is_share(key: &str) -> bool {
    key == "sharePct" || key.ends_with("SharePct")
}

/// Whether a list's column of `key` has a meaningful total (spend does; CPC does not).
fn is_additive(key: &str) -> bool {
    category(key) == Category::Count || matches!(key, "spend" | "conversionValue") || is_share(key)
}

/// The key a number measures and its role: a comparison's `current`, `previous` and `change` (and a
/// time series' `value`) measure the `metric` beside them, a breakdown's `total` its `measure`.
fn effective<'a>(key: &'a str, context: Context<'a>, in_totals: bool) -> (&'a str, Role) {
    match (key, context.metric, context.measure) {
        ("current" | "previous", Some(metric), _) => (metric, Role::Compared),
        ("value", Some(metric), _) => (metric, Role::Part),
        ("change", Some(metric), _) => (metric, Role::Change),
        ("change" | "changePct", _, _) => (key, Role::Change),
        ("total", _, Some(measure)) => (measure, Role::Whole),
        _ if in_totals => (key, Role::Whole),
        _ => (key, Role::Part),
    }
}

/// The metric and measure that enclosing objects name.
#[derive(Debug, Clone, Copy, Default)]
struct Context<'a> {
    metric: Option<&'a str>,
    measure: Option<&'a str>,
}

/// A figure found in a result string, with the words beside it there.
#[derive(Debug)]
struct Quoted {
    text: String,
    before: Option<String>,
    after: Option<String>,
    /// Whether the string is a name (of a campaign, page or source).
    name: bool,
    /// What stands between the word before the figure and the figure (` ` in `Lookalike 1%`).
    gap: String,
}

/// The values a figure may match, with its precision: `lo..=hi`.
#[derive(Debug, Clone, Copy)]
struct Window {
    lo: f64,
    hi: f64,
}

impl Window {
    fn of(figure: &Figure) -> Self {
        let x = figure.value.abs();
        let eps = 1e-9 * (1.0 + x);
        let p = figure.precision + eps;
        let (lo, hi) = match figure.detail.bound {
            Bound::Exact => (x - p, x + p),
            Bound::About => {
                let q = figure.precision.max(figure.detail.step / 2.0) + eps;
                (x - q, x + q)
            }
            Bound::AtLeast => (x - p, 1.25 * x + eps),
            Bound::AtMost => (0.8 * x - eps, x + p),
        };
        Self { lo: lo.max(0.0), hi }
    }

    const fn scaled(self, k: f64) -> Self {
        Self { lo: self.lo * k, hi: self.hi * k }
    }

    /// The window of `100 - x`.
    const fn rest_of_100(self) -> Self {
        Self { lo: 100.0 - self.hi, hi: 100.0 - self.lo }
    }
}

/// How many values of the sorted `list` lie in `lo..=hi`.
fn count_in(list: &[f64], lo: f64, hi: f64) -> usize {
    let from = list.partition_point(|&v| v < lo);
    let to = list.partition_point(|&v| v <= hi);
    to.saturating_sub(from)
}

fn any_in(list: &[f64], w: Window) -> bool {
    count_in(list, w.lo, w.hi) > 0
}

/// Whether two values of the sorted `list` add up to a value in `w`.
fn sum_of_two(list: &[f64], w: Window) -> bool {
    list.iter().enumerate().any(|(i, &a)| count_in(&list[i + 1..], w.lo - a, w.hi - a) > 0)
}

/// Whether two values of the sorted `list` differ by a value in `w`.
fn difference_of_two(list: &[f64], w: Window) -> bool {
    list.iter().enumerate().any(|(i, &a)| count_in(&list[i + 1..], a + w.lo, a + w.hi) > 0)
}

/// Whether one value of the sorted `list` divided by another is in `w`.
fn ratio_of_two(list: &[f64], w: Window) -> bool {
    list.iter().any(|&b| {
        if b <= 0.0 {
            return false;
        }
        let (lo, hi) = (w.lo * b, w.hi * b);
        let n = count_in(list, lo, hi);
        n > 1 || (n == 1 && !(lo..=hi).contains(&b))
    })
}

/// Which way a percent change goes, as the answer words it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// `rose 9%`, `9% more`.
    Rise,
    /// `fell 9%`, `9% lower`.
    Fall,
}

/// Words after a percentage that make it a rise (`9% more`) or a fall (`9% lower`).
const RISE_AFTER: [&str; 9] = ["more", "higher", "up", "above", "increase", "rise", "growth", "jump", "gain"];
const FALL_AFTER: [&str; 10] =
    ["less", "lower", "down", "below", "fewer", "decrease", "drop", "decline", "fall", "cheaper"];
/// Words before a percentage (past `by`) that make it a rise (`rose 9%`) or a fall (`fell 9%`).
const RISE_BEFORE: [&str; 10] =
    ["rose", "grew", "increased", "up", "jumped", "climbed", "gained", "rising", "growing", "higher"];
const FALL_BEFORE: [&str; 10] =
    ["fell", "dropped", "decreased", "down", "declined", "lost", "slipped", "falling", "dropping", "lower"];

/// The direction the words around `figure` give its change, if they give one.
fn direction(answer: &str, figure: &Figure) -> Option<Direction> {
    let after = word_after_text(answer, figure.detail.core.end);
    let mut before = word_before_text(answer, figure.detail.core.start);
    if before.as_deref() == Some("by") {
        let by = answer.get(..figure.detail.core.start).and_then(|head| head.rfind("by")).unwrap_or(0);
        before = word_before_text(answer, by);
    }
    let is = |word: &Option<String>, list: &[&str]| word.as_deref().is_some_and(|w| list.contains(&w));
    if is(&after, &RISE_AFTER) || is(&before, &RISE_BEFORE) {
        Some(Direction::Rise)
    } else if is(&after, &FALL_AFTER) || is(&before, &FALL_BEFORE) {
        Some(Direction::Fall)
    } else {
        None
    }
}

/// The ratios a percent change of `w` stands for, in the directions `towards` allows (both when
/// the answer does not say): a rise (`1 + x/100`) and, below 100%, a fall (`1 - x/100`), each with
/// its width in ratio space (the log of its ends' quotient; a fall to zero has none).
fn change_windows(w: Window, towards: Option<Direction>) -> Vec<(Window, f64)> {
    let mut windows = Vec::with_capacity(2);
    if towards != Some(Direction::Fall) {
        windows
            .push((Window { lo: 1.0 + w.lo / 100.0, hi: 1.0 + w.hi / 100.0 }, ((100.0 + w.hi) / (100.0 + w.lo)).ln()));
    }
    if towards != Some(Direction::Rise) && w.lo < 100.0 {
        let width = if w.hi < 100.0 { ((100.0 - w.lo) / (100.0 - w.hi)).ln() } else { 0.0 };
        windows.push((Window { lo: (1.0 - w.hi / 100.0).max(0.0), hi: 1.0 - w.lo / 100.0 }, width));
    }
    windows
}

/// The last word of `text` before byte `at`, lowercased, past punctuation.
fn word_before_text(text: &str, at: usize) -> Option<String> {
    let head = text.get(..at)?.trim_end_matches(|c: char| !c.is_alphanumeric());
    let start = head
        .rfind(|c: char| !c.is_alphanumeric())
        .map_or(0, |k| k + head[k..].chars().next().map_or(1, char::len_utf8));
    let word = head[start..].to_lowercase();
    (!word.is_empty()).then_some(word)
}

/// What stands between the word before byte `at` and `at`.
fn gap_before(text: &str, at: usize) -> &str {
    let head = text.get(..at).unwrap_or_default();
    let start = head.trim_end_matches(|c: char| !c.is_alphanumeric()).len();
    &head[start..]
}

/// The first word of `text` after byte `at`, lowercased, past punctuation.
fn word_after_text(text: &str, at: usize) -> Option<String> {
    let tail = text.get(at..)?.trim_start_matches(|c: char| !c.is_alphanumeric());
    let word: String = tail.chars().take_while(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    (!word.is_empty()).then_some(word)
}

/// The numbers of some tool results, typed by key and sorted for searching.
#[derive(Debug, Default)]
struct Pool<'a> {
    /// Every number's magnitude by the key it measures.
    values: BTreeMap<&'a str, Vec<f64>>,
    /// The numbers differences are taken of: parts and wholes.
    operands: BTreeMap<&'a str, Vec<f64>>,
    /// The numbers sums, ratios and percent changes are taken of: rows' and results' own numbers,
    /// not totals, changes or the two sides of a comparison (whose changes the results give).
    parts: BTreeMap<&'a str, Vec<f64>>,
    /// The wholes that shares are taken of: totals, and the totals of columns, by key.
    wholes: BTreeMap<&'a str, Vec<f64>>,
    /// Rates derived within one object (clicks over impressions, ...), in percent.
    percent: Vec<f64>,
    /// The shares of the top two, three, ... rows of a list, summed.
    top_shares: Vec<f64>,
    /// Costs derived within one object (spend over clicks, ...).
    money: Vec<f64>,
    /// Multiples derived within one object (conversion value over spend, ...).
    multiple: Vec<f64>,
    /// The lengths of the periods, in days.
    days: Vec<f64>,
    /// The length of the longest list of objects.
    rows: usize,
    /// The figures of the result strings (campaign names, notes).
    quoted: Vec<Quoted>,
}

/// What a number is to the derivations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A change, matched as it is but not derived from.
    Change,
    /// One side of a comparison, matched and subtracted but not otherwise derived from.
    Compared,
    /// A number of a row or a result, which derivations start from.
    Part,
    /// A total, which shares are taken of.
    Whole,
}

impl<'a> Pool<'a> {
    fn new(results: &'a [Value]) -> Self {
        let mut pool = Self::default();
        for result in results {
            pool.walk(result, "", Context::default());
        }
        // The results themselves count as rows: two summaries are two platforms.
        pool.rows = pool.rows.max(results.len());
        let maps = [&mut pool.values, &mut pool.operands, &mut pool.parts, &mut pool.wholes];
        for list in maps.into_iter().flat_map(BTreeMap::values_mut) {
            list.sort_by(f64::total_cmp);
        }
        for list in [&mut pool.percent, &mut pool.top_shares, &mut pool.money, &mut pool.multiple, &mut pool.days] {
            list.sort_by(f64::total_cmp);
            list.dedup();
        }
        pool
    }

    fn add(&mut self, key: &'a str, value: f64, role: Role) {
        let value = value.abs();
        if !value.is_finite() {
            return;
        }
        let into = |map: &mut BTreeMap<&'a str, Vec<f64>>| map.entry(key).or_default().push(value);
        into(&mut self.values);
        match role {
            Role::Change => {}
            Role::Compared => into(&mut self.operands),
            Role::Part => {
                into(&mut self.operands);
                into(&mut self.parts);
            }
            Role::Whole => {
                into(&mut self.operands);
                if is_additive(key) {
                    into(&mut self.wholes);
                }
            }
        }
        if key == "days" {
            self.days.push(value);
        }
    }

    fn walk(&mut self, value: &'a Value, key: &'a str, context: Context<'a>) {
        match value {
            Value::Number(n) => {
                let (key, role) = effective(key, context, false);
                self.add(key, *n, role);
            }
            Value::String(s) => self.quote(s, key == "name"),
            Value::Array(items) => {
                if items.iter().any(|item| item.as_object().is_some()) {
                    self.rows = self.rows.max(items.len());
                }
                for item in items {
                    self.walk(item, key, context);
                }
            }
            Value::Object(fields) => self.object(fields, false, context),
            Value::Null | Value::Bool(_) => {}
        }
    }

    fn object(&mut self, fields: &'a [(String, Value)], in_totals: bool, context: Context<'a>) {
        let context = Self::context_of(fields, context);
        let has_rows = fields.iter().any(|(_, v)| {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .any(|row| row.iter().any(|(_, x)| x.as_f64().is_some()))
        });
        let mut own: Vec<(&str, f64)> = Vec::new();
        for (k, v) in fields {
            match v {
                Value::Number(n) => {
                    let (key, role) = effective(k, context, in_totals);
                    self.add(key, *n, role);
                    if role != Role::Change {
                        own.push((key, n.abs()));
                    }
                }
                // Totals beside rows are wholes; a summary's totals are its own figures.
                Value::Object(totals) if k == "totals" && has_rows => self.object(totals, true, context),
                _ => self.walk(v, k, context),
            }
        }
        // A list's column totals, unless the object states them (a breakdown's total, blended totals).
        let mut stated: Vec<&str> = own.iter().map(|&(k, _)| k).collect();
        if let Some(Value::Object(totals)) = fields.iter().find(|(k, _)| k == "totals").map(|(_, v)| v) {
            stated.extend(totals.iter().map(|(k, _)| k.as_str()));
        }
        for (_, v) in fields {
            if let Some(items) = v.as_array() {
                let rows: Vec<&[(String, Value)]> = items.iter().filter_map(Value::as_object).collect();
                self.column_totals(&rows, context, &stated);
            }
        }
        self.derive(&own);
        // A comparison's change, in case the result leaves it out.
        let number = |name: &str| fields.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_f64());
        if let (Some(_), Some(current), Some(previous)) = (context.metric, number("current"), number("previous")) {
            if previous != 0.0 {
                self.percent.push(((current - previous) / previous * 100.0).abs());
                self.multiple.push((current / previous).abs());
            }
        }
    }

    fn context_of<'f>(fields: &'f [(String, Value)], outer: Context<'f>) -> Context<'f> {
        let text = |name: &str| fields.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.as_str());
        Context { metric: text("metric").or(outer.metric), measure: text("measure").or(outer.measure) }
    }

    /// Adds the totals of a list's additive columns (the spend of every campaign listed) that are not
    /// `stated`, and the shares of its top rows summed.
    fn column_totals(&mut self, rows: &[&'a [(String, Value)]], context: Context<'a>, stated: &[&str]) {
        let mut columns: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
        for fields in rows {
            let own = Self::context_of(fields, context);
            for (k, v) in *fields {
                let (key, role) = effective(k, own, false);
                if let (Some(n), Role::Part, true) = (v.as_f64(), role, is_additive(key)) {
                    columns.entry(key).or_default().push(n.abs());
                }
            }
        }
        for (key, mut column) in columns.into_iter().filter(|(_, column)| column.len() >= 2) {
            if !stated.contains(&key) {
                self.add(key, column.iter().sum(), Role::Whole);
            }
            if is_share(key) {
                column.sort_by(|a, b| b.total_cmp(a));
                let mut sum = column[0];
                for share in &column[1..column.len() - 1] {
                    sum += share;
                    self.top_shares.push(sum);
                }
            }
        }
    }

    /// Adds the ratios an analyst derives from one object's own numbers.
    fn derive(&mut self, own: &[(&str, f64)]) {
        let get = |key: &str| own.iter().find(|(k, _)| *k == key).map(|&(_, v)| v);
        let ratio = |a: &str, b: &str| match (get(a), get(b)) {
            (Some(a), Some(b)) if b > 0.0 => Some(a / b),
            _ => None,
        };
        let rates = [
            ("clicks", "impressions"),
            ("conversions", "clicks"),
            ("leads", "clicks"),
            ("conversions", "sessions"),
            ("engagedSessions", "sessions"),
            ("newUsers", "users"),
        ];
        self.percent.extend(rates.iter().filter_map(|(a, b)| ratio(a, b)).map(|r| r * 100.0));
        let costs = [
            ("spend", "clicks", 1.0),
            ("spend", "conversions", 1.0),
            ("spend", "leads", 1.0),
            ("spend", "impressions", 1000.0),
            ("conversionValue", "conversions", 1.0),
        ];
        self.money.extend(costs.iter().filter_map(|(a, b, k)| ratio(a, b).map(|r| r * k)));
        let multiples = [("conversionValue", "spend"), ("pageviews", "sessions")];
        self.multiple.extend(multiples.iter().filter_map(|(a, b)| ratio(a, b)));
    }

    fn quote(&mut self, text: &str, name: bool) {
        for figure in figures(text) {
            let before = word_before_text(text, figure.span.start);
            let after = word_after_text(text, figure.span.end);
            let gap = gap_before(text, figure.span.start).to_owned();
            self.quoted.push(Quoted { text: figure.text, before, after, name, gap });
        }
    }

    /// The sorted lists of `map` whose keys `pick` accepts.
    fn lists<'s>(
        map: &'s BTreeMap<&'a str, Vec<f64>>,
        pick: impl Fn(&str) -> bool + 's,
    ) -> impl Iterator<Item = &'s [f64]> + 's {
        map.iter().filter(move |(k, _)| pick(k)).map(|(_, list)| list.as_slice())
    }

    fn direct(&self, pick: impl Fn(&str) -> bool, w: Window) -> bool {
        Self::lists(&self.values, pick).any(|list| any_in(list, w))
    }

    /// Whether two parts, or two wholes, of a key `pick` accepts add up to a value in `w` (a part
    /// and its whole add up to nothing meaningful).
    fn summed(&self, pick: impl Fn(&str) -> bool + Copy, w: Window) -> bool {
        Self::lists(&self.parts, pick).chain(Self::lists(&self.wholes, pick)).any(|list| sum_of_two(list, w))
    }

    fn subtracted(&self, pick: impl Fn(&str) -> bool, w: Window) -> bool {
        Self::lists(&self.operands, pick).any(|list| difference_of_two(list, w))
    }

    /// Whether a number of the keys `pick` accepts, divided by a period's days, is in `w`.
    fn per_day(&self, pick: impl Fn(&str) -> bool + Copy, w: Window) -> bool {
        self.days
            .iter()
            .filter(|&&d| d > 0.0)
            .any(|&d| Self::lists(&self.operands, pick).any(|list| any_in(list, w.scaled(d))))
    }

    /// Whether a part, as a percentage of a whole of its key, is in `w` (a campaign's share of the
    /// spend of all campaigns); for a key without wholes, as a percentage of it and one other part
    /// (one platform's share of two platforms' spend).
    fn share_of_whole(&self, w: Window) -> bool {
        let of_wholes =
            self.wholes.iter().filter(|(key, _)| category(key) != Category::Percent).any(|(key, wholes)| {
                let parts = self.parts.get(key).map_or(&[][..], Vec::as_slice);
                wholes.iter().filter(|&&whole| whole > 0.0).any(|&whole| any_in(parts, w.scaled(whole / 100.0)))
            });
        of_wholes
            || (w.hi < 100.0
                && self.parts.iter().filter(|(key, _)| !self.wholes.contains_key(*key) && is_additive(key)).any(
                    |(_, parts)| {
                        // a / (a + b) in lo..=hi  ⇔  a in b·lo/(1 − lo) ..= b·hi/(1 − hi).
                        let (lo, hi) = (w.lo / 100.0, w.hi / 100.0);
                        parts.iter().enumerate().any(|(i, &b)| {
                            let (from, to) = (b * lo / (1.0 - lo), b * hi / (1.0 - hi));
                            let n = count_in(parts, from, to);
                            n > 1 || (n == 1 && !(from..=to).contains(&parts[i]))
                        })
                    },
                ))
    }

    /// Whether `w` is a percent change between two parts of one list, in the direction the answer
    /// gives it (either, when it gives none), tried only where a match is unlikely by chance: the
    /// pairs the results offer, times the chance that one pair's ratio falls in the windows tried
    /// (ratios taken as spread evenly over two orders of magnitude either way), stays below one in
    /// ten. So across two platforms `9% more` is tried; across four campaigns with a dozen metrics
    /// it must be written `9.2%`; and `rose 99%` is tried although a 99% fall (a ratio between
    /// 0.005 and 0.015) would be too wide a window.
    fn percent_change(&self, pick: impl Fn(&str) -> bool + Copy, w: Window, towards: Option<Direction>) -> bool {
        let pairs: usize = Self::lists(&self.parts, pick).map(|list| list.len() * list.len().saturating_sub(1)).sum();
        let pairs = u32::try_from(pairs).map_or(f64::MAX, f64::from);
        let windows = change_windows(w, towards);
        let width: f64 = windows.iter().map(|(_, width)| width).sum();
        pairs * width / 100f64.powi(2).ln() < 0.1
            && windows.iter().any(|(window, _)| Self::lists(&self.parts, pick).any(|list| ratio_of_two(list, *window)))
    }

    /// Whether `w` holds a whole number no larger than the longest list (`top 3`, `2 of them`).
    fn row_count(&self, w: Window) -> bool {
        let rows = u32::try_from(self.rows).map_or(f64::MAX, f64::from);
        let n = w.lo.ceil().max(1.0);
        n <= w.hi && n <= rows
    }

    fn supports(&self, figure: &Figure, answer: &str) -> bool {
        self.support(figure, answer).is_some()
    }

    /// The rule that supports `figure`, if one does.
    fn support(&self, figure: &Figure, answer: &str) -> Option<&'static str> {
        let w = Window::of(figure);
        match self.quoted_support(figure, answer) {
            Some(true) => return Some("written so in a result string"),
            Some(false) => return None,
            None => {}
        }
        if figure.value == 0.0 {
            let keys = figure.detail.noun;
            if self.direct(|k| keys.is_none_or(|keys| keys.contains(&k)), w) {
                return Some("a zero");
            }
            // "rose 0.0%": a change between two parts too small to show at the precision written.
            let ratios = |k: &str| !matches!(category(k), Category::Days | Category::Other);
            let change = figure.kind == FigureKind::Percent && !figure.detail.points;
            return (change && self.percent_change(ratios, w, direction(answer, figure))).then_some("a percent change");
        }
        match figure.kind {
            FigureKind::Percent if figure.detail.points => self.points(w),
            FigureKind::Percent => self.percent(w, direction(answer, figure)),
            FigureKind::Money => self.money(w),
            FigureKind::Multiple => self.multiple(w),
            FigureKind::Duration => self.duration(w),
            FigureKind::Plain if figure.detail.period => {
                let whole = figure.detail.decimals == 0 && is_one(figure.detail.factor);
                if whole && figure.value.abs() <= 400.0 { Some("a period of up to 400") } else { self.plain(figure, w) }
            }
            FigureKind::Plain => match figure.detail.noun {
                Some(keys) => self.counted(keys, w),
                None => self.plain(figure, w),
            },
        }
    }

    /// `Some(true)` when a result string holds the figure as written next to the same word,
    /// `Some(false)` when the figure stands in a name's place (after a word that precedes a figure in
    /// a name) but differs from it, `None` otherwise.
    fn quoted_support(&self, figure: &Figure, answer: &str) -> Option<bool> {
        if self.quoted.is_empty() {
            return None;
        }
        let before = word_before_text(answer, figure.span.start);
        let after = word_after_text(answer, figure.span.end);
        let mut in_a_name = false;
        for q in &self.quoted {
            let same_before = q.before.is_some() && q.before == before;
            if q.text == figure.text
                && (same_before || (q.after.is_some() && q.after == after) || (q.before.is_none() && q.after.is_none()))
            {
                return Some(true);
            }
            in_a_name |= q.name && same_before && q.gap == gap_before(answer, figure.span.start);
        }
        if in_a_name { Some(false) } else { None }
    }

    fn points(&self, w: Window) -> Option<&'static str> {
        let percents = |k: &str| category(k) == Category::Percent;
        let rules: [(&'static str, &dyn Fn() -> bool); 2] = [
            ("a change of a rate", &|| self.direct(percents, w)),
            ("a difference of rates", &|| self.subtracted(percents, w)),
        ];
        rules.iter().find(|(_, rule)| rule()).map(|(name, _)| *name)
    }

    fn percent(&self, w: Window, towards: Option<Direction>) -> Option<&'static str> {
        let percents = |k: &str| category(k) == Category::Percent;
        let ratios = |k: &str| !matches!(category(k), Category::Days | Category::Other);
        let rules: [(&'static str, &dyn Fn() -> bool); 7] = [
            ("a percentage", &|| self.direct(percents, w)),
            ("a fraction", &|| self.direct(|k| category(k) == Category::Other, w.scaled(0.01))),
            ("a rate of one row", &|| any_in(&self.percent, w)),
            ("the shares of the top rows", &|| any_in(&self.top_shares, w)),
            ("the rest of 100", &|| Self::lists(&self.parts, percents).any(|list| any_in(list, w.rest_of_100()))),
            ("a share of a total", &|| self.share_of_whole(w)),
            ("a percent change", &|| self.percent_change(ratios, w, towards)),
        ];
        rules.iter().find(|(_, rule)| rule()).map(|(name, _)| *name)
    }

    fn money(&self, w: Window) -> Option<&'static str> {
        let money = |k: &str| category(k) == Category::Money;
        let rules: [(&'static str, &dyn Fn() -> bool); 5] = [
            ("an amount", &|| self.direct(money, w)),
            ("a cost of one row", &|| any_in(&self.money, w)),
            ("a sum of amounts", &|| self.summed(money, w)),
            ("a difference of amounts", &|| self.subtracted(money, w)),
            ("an amount per day", &|| self.per_day(|k| matches!(k, "spend" | "conversionValue"), w)),
        ];
        rules.iter().find(|(_, rule)| rule()).map(|(name, _)| *name)
    }

    fn multiple(&self, w: Window) -> Option<&'static str> {
        let multiples = |k: &str| category(k) == Category::Multiple;
        let ratios = |k: &str| !matches!(category(k), Category::Days | Category::Other);
        let rules: [(&'static str, &dyn Fn() -> bool); 4] = [
            ("a multiple", &|| self.direct(|k| matches!(category(k), Category::Multiple | Category::Other), w)),
            ("a multiple of one row", &|| any_in(&self.multiple, w)),
            ("a ratio", &|| Self::lists(&self.parts, ratios).any(|list| ratio_of_two(list, w))),
            ("a difference of multiples", &|| self.subtracted(multiples, w)),
        ];
        rules.iter().find(|(_, rule)| rule()).map(|(name, _)| *name)
    }

    fn duration(&self, w: Window) -> Option<&'static str> {
        let seconds = |k: &str| category(k) == Category::Seconds;
        let rules: [(&'static str, &dyn Fn() -> bool); 2] = [
            ("a duration", &|| self.direct(seconds, w)),
            ("a difference of durations", &|| self.subtracted(seconds, w)),
        ];
        rules.iter().find(|(_, rule)| rule()).map(|(name, _)| *name)
    }

    /// A number without a unit or noun: any number, but a whole one not a rate, multiple or duration.
    fn plain(&self, figure: &Figure, w: Window) -> Option<&'static str> {
        let whole = figure.detail.decimals == 0;
        let matched =
            |k: &str| !whole || !matches!(category(k), Category::Percent | Category::Multiple | Category::Seconds);
        let counts = |k: &str| category(k) == Category::Count;
        let rules: [(&'static str, &dyn Fn() -> bool); 6] = [
            ("a number", &|| self.direct(matched, w)),
            ("a count of rows", &|| self.row_count(w)),
            ("a sum of counts", &|| self.summed(counts, w)),
            ("a difference of counts", &|| self.subtracted(counts, w)),
            ("a difference of multiples", &|| self.subtracted(|k| category(k) == Category::Multiple, w)),
            ("a count per day", &|| self.per_day(counts, w)),
        ];
        rules.iter().find(|(_, rule)| rule()).map(|(name, _)| *name)
    }

    /// A count whose noun names its metric: only that metric's numbers support it.
    fn counted(&self, keys: &[&str], w: Window) -> Option<&'static str> {
        let pick = |k: &str| keys.contains(&k);
        let rules: [(&'static str, &dyn Fn() -> bool); 5] = [
            ("a count of its metric", &|| self.direct(pick, w)),
            ("a sum of its metric", &|| self.summed(pick, w)),
            ("a difference of its metric", &|| self.subtracted(pick, w)),
            ("its metric per day", &|| self.per_day(pick, w)),
            ("a count of rows", &|| keys.contains(&"campaigns") && self.row_count(w)),
        ];
        rules.iter().find(|(_, rule)| rule()).map(|(name, _)| *name)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use proptest::prelude::*;

    use crate::grounding::{Figure, FigureKind, Pool, category, check, figures};
    use crate::value::Value;

    fn one(text: &str) -> Figure {
        let mut found = figures(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        found.remove(0)
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn every_phrase_list_starts_each_phrase_with_a_letter_as_any_phrase_assumes() {
        use crate::grounding::{
            CURRENCY_WORDS, MINUTE_WORDS, MODIFIERS, MONTHS, PERCENT_WORDS, PERIOD_WORDS, POINT_WORDS, SECOND_WORDS,
        };
        let lists: [&[&str]; 8] = [
            &CURRENCY_WORDS,
            &PERCENT_WORDS,
            &POINT_WORDS,
            &SECOND_WORDS,
            &MINUTE_WORDS,
            &PERIOD_WORDS,
            &MONTHS,
            &MODIFIERS,
        ];
        for phrase in lists.iter().flat_map(|list| list.iter()) {
            assert!(phrase.starts_with(|c: char| c.is_ascii_alphabetic()), "{phrase}");
        }
    }

    #[test]
    fn words_are_compared_lowercased_and_others_match_no_listed_word() {
        use crate::grounding::Word;
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(Word::of(&chars("About")).as_str(), "about");
        assert_eq!(Word::of(&chars("APPROXIMATELY")).as_str(), "approximately");
        assert_eq!(Word::of(&chars("überall")).as_str(), "\0");
        assert_eq!(Word::of(&chars("incomprehensibilities")).as_str(), "\0");
    }

    #[test]
    fn figures_are_read_in_the_formats_people_write() {
        use FigureKind::{Duration, Money, Multiple, Percent, Plain};
        let cases = [
            ("clicks reached 1,234 so far", "1,234", 1234.0, 0.5, Plain),
            ("a total of 1234.56", "1234.56", 1234.56, 0.005, Plain),
            ("spend was $1,234.56.", "$1,234.56", 1234.56, 0.005, Money),
            ("spend was €1.234 in all", "€1.234", 1234.0, 0.5, Money),
            ("spend was 1.234,56 € in all", "1.234,56 €", 1234.56, 0.005, Money),
            ("a CPA of €12,50", "€12,50", 12.5, 0.005, Money),
            ("spent €1,234 so far", "€1,234", 1234.0, 0.5, Money),
            ("1.2k sessions", "1.2k", 1200.0, 50.0, Plain),
            ("3.4M impressions", "3.4M", 3.4e6, 5e4, Plain),
            ("3.4m impressions", "3.4m", 3.4e6, 5e4, Plain),
            ("1.5 million views", "1.5 million", 1.5e6, 5e4, Plain),
            ("sessions last 2m 11s on average", "2m 11s", 131.0, 0.5, Duration),
            ("sessions last 2 min 11 sec", "2 min 11 sec", 131.0, 0.5, Duration),
            ("sessions last 2.2 min", "2.2 min", 132.0, 3.0, Duration),
            ("sessions last 45s", "45s", 45.0, 0.5, Duration),
            ("sessions last 131.3 seconds", "131.3 seconds", 131.3, 0.05, Duration),
            ("a CTR of 4.5%", "4.5%", 4.5, 0.05, Percent),
            ("a CTR of 4,5 %", "4,5 %", 4.5, 0.05, Percent),
            ("spend fell -12.3% this month", "-12.3%", -12.3, 0.05, Percent),
            ("clicks grew +8%", "+8%", 8.0, 0.5, Percent),
            ("CTR rose 0.3 pp", "0.3 pp", 0.3, 0.05, Percent),
            ("CTR rose 12 percent", "12 percent", 12.0, 0.5, Percent),
            ("a ROAS of 3.49x", "3.49x", 3.49, 0.005, Multiple),
            ("Google drove 2.1 times the clicks", "2.1 times", 2.1, 0.05, Multiple),
            ("spend was USD 1,234.50", "USD 1,234.50", 1234.5, 0.005, Money),
            ("spend was 1,234.50 USD", "1,234.50 USD", 1234.5, 0.005, Money),
            ("spend was US$12", "US$12", 12.0, 0.5, Money),
            ("spend was £9.99", "£9.99", 9.99, 0.005, Money),
            ("spend was 12 euros", "12 euros", 12.0, 0.5, Money),
            ("spend was €1.2k", "€1.2k", 1200.0, 50.0, Money),
            ("spend was -$120 on the day", "-$120", -120.0, 0.5, Money),
            ("impressions: 1,234,567", "1,234,567", 1_234_567.0, 0.5, Plain),
            ("impressions: 1.234.567", "1.234.567", 1_234_567.0, 0.5, Plain),
            ("pages per session: 1.234", "1.234", 1.234, 0.0005, Plain),
            ("a share of .5%", ".5%", 0.5, 0.05, Percent),
            ("over 1,000+ clicks", "1,000+", 1000.0, 0.5, Plain),
        ];
        for (text, written, value, precision, kind) in cases {
            let f = one(text);
            assert_eq!(f.text(), written, "{text}");
            assert!(close(f.value(), value), "{text}: {}", f.value());
            assert!(close(f.precision(), precision), "{text}: ±{}", f.precision());
            assert_eq!(f.kind(), kind, "{text}");
            assert_eq!(&text[f.span()], written, "{text}");
        }
    }

    #[test]
    fn dates_years_times_list_numbers_ordinals_and_identifiers_are_not_figures() {
        for text in [
            "on 2026-11-01",
            "from 1 Nov 2026",
            "since Nov 1",
            "in November 2026",
            "until 31 Oct",
            "over Nov 1–30",
            "over 1–7 Nov",
            "on Nov. 3, 2026",
            "from 11/01/2026",
            "on 01.11.2026",
            "in 2025",
            "in 2026 so far",
            "the 2020s",
            "synced at 06:00 UTC",
            "synced 2026-12-01T06:00:00Z",
            "at 6pm",
            "1. Brand Search",
            "  2) Retargeting",
            "## 3. Next steps",
            "the 1st, 2nd, 3rd and 21st",
            "GA4 and Q4 and H1",
            "the v1beta API",
            "account act_1029384756",
            "page /page-2",
            "see https://example.com/report?id=5&n=3",
            "the `sessions: 18240` field",
            "```\nspend = 1234\n```",
            "our #1 campaign",
            "CPM is the cost per 1,000 impressions",
            "COVID-19",
            "a 3D video in 5G",
        ] {
            assert!(figures(text).is_empty(), "{text}: {:?}", figures(text));
        }
    }

    #[test]
    fn a_list_number_is_skipped_but_the_figures_on_its_line_are_read() {
        let found = figures("1. Brand Search: $1,234.56\n2. Retargeting: 3.49x");
        let texts: Vec<&str> = found.iter().map(Figure::text).collect();
        assert_eq!(texts, ["$1,234.56", "3.49x"]);
    }

    #[test]
    fn a_range_shares_its_unit() {
        let found = figures("CTR between 10-12% and spend of $10–12, views of 1.2–1.5k");
        let read: Vec<(FigureKind, f64)> = found.iter().map(|f| (f.kind(), f.value())).collect();
        assert_eq!(
            read,
            [
                (FigureKind::Percent, 10.0),
                (FigureKind::Percent, 12.0),
                (FigureKind::Money, 10.0),
                (FigureKind::Money, 12.0),
                (FigureKind::Plain, 1200.0),
                (FigureKind::Plain, 1500.0),
            ]
        );
    }

    fn results(pairs: &[(&str, f64)]) -> Vec<Value> {
        vec![pairs.iter().fold(Value::object(), |v, &(k, n)| v.with(k, n))]
    }

    fn flagged(answer: &str, results: &[Value]) -> Vec<String> {
        check(answer, results).unsupported
    }

    #[test]
    fn an_answer_without_figures_is_grounded() {
        let g = check("Spend went up, mostly on Meta.", &results(&[("spend", 10.0)]));
        assert!(g.grounded);
        assert!(g.unsupported.is_empty());
        assert!(check("Nothing to report.", &[]).grounded);
    }

    #[test]
    fn unsupported_figures_are_listed_as_written_once_in_answer_order() {
        let r = results(&[("spend", 1234.56), ("ctrPct", 2.72)]);
        let g = check("Spend was $1,234.56 at 12.3% CTR; again 12.3%, and $99 more, CTR 2.72%.", &r);
        assert!(!g.grounded);
        assert_eq!(g.unsupported, ["12.3%", "$99"]);
    }

    #[test]
    fn figures_match_within_their_written_precision() {
        let r = results(&[("spend", 1234.57), ("ctrPct", 2.72), ("avgSessionDurationSecs", 131.3)]);
        for ok in ["$1,234.57", "$1,235", "$1.2k", "€1.234,57", "2.7%", "3%", "2.72%", "2m 11s", "131s", "2.2 min"] {
            assert!(check(ok, &r).grounded, "{ok}");
        }
        for bad in ["$1,234", "$1,234.56", "$1.3k", "2.8%", "2.73%", "2m 12s", "2.3 min"] {
            assert_eq!(flagged(bad, &r), [bad], "{bad}");
        }
    }

    #[test]
    fn a_figure_must_match_a_number_of_its_kind() {
        let r = results(&[("cpc", 4.12), ("ctrPct", 2.72), ("roas", 3.49), ("clicks", 300.0)]);
        assert!(check("CPC $4.12, CTR 2.72%, ROAS 3.49x, 300 clicks", &r).grounded);
        assert_eq!(flagged("CTR 4.12%, CPC $2.72, ROAS 300x, 3.49s", &r), ["4.12%", "$2.72", "300x", "3.49s"]);
    }

    #[test]
    fn a_count_named_by_its_noun_is_checked_against_that_metric() {
        let r = results(&[("clicks", 300.0), ("impressions", 10_000.0), ("conversions", 12.0)]);
        assert!(check("300 clicks on 10,000 impressions, 12 conversions", &r).grounded);
        assert_eq!(flagged("10,000 clicks and 300 impressions", &r), ["10,000", "300"]);
        assert!(check("10,000 and 300", &r).grounded, "without a noun any number of the results will do");
    }

    #[test]
    fn derived_values_are_supported() {
        let r = vec![
            Value::object().with("range", Value::object().with("days", 30.0)),
            Value::object()
                .with("platform", "googleAds")
                .with("spend", 600.0)
                .with("clicks", 300.0)
                .with("impressions", 12_000.0),
            Value::object().with("platform", "metaAds").with("spend", 400.0).with("clicks", 500.0).with("ctrPct", 2.5),
            Value::object().with("platform", "googleAnalytics").with("avgSessionDurationSecs", 131.3),
            Value::object().with("metric", "sessions").with("current", 1100.0).with("previous", 1000.0),
        ];
        for ok in [
            "$1,000 in all",                     // sum of two amounts
            "$200 more on Google",               // difference
            "Google took 60% of spend",          // share
            "Google spent 50% more than Meta",   // percent change
            "Meta spent 33.3% less than Google", // percent change down
            "$2 per click on Google",            // spend / clicks in one object
            "a CPM of $50",                      // spend / impressions × 1000
            "a CTR of 2.5% on Google",           // clicks / impressions, in percent
            "$20 a day on Google",               // spend / days
            "sessions grew 10%",                 // a comparison's two values
            "100 more sessions",                 // their difference, named
            "1.5x the spend",                    // a ratio of two amounts
            "97.5% of impressions had no click", // the rest of 100
            "800 clicks in all",                 // sum of two counts, named
        ] {
            assert!(check(ok, &r).grounded, "{ok}: {:?}", flagged(ok, &r));
        }
        for bad in ["$1,100 in all", "Google took 55% of spend", "$3 per click", "a CPM of $45", "120 more sessions"] {
            assert!(!check(bad, &r).grounded, "{bad}");
        }
    }

    #[test]
    fn ratios_of_different_metrics_come_from_one_object() {
        let r = vec![
            Value::object().with("spend", 600.0).with("clicks", 300.0),
            Value::object().with("spend", 400.0).with("clicks", 500.0),
        ];
        assert!(check("$2 and $0.80 per click", &r).grounded);
        assert_eq!(flagged("$1.20 per click", &r), ["$1.20"], "600 / 500 mixes two rows");
    }

    #[test]
    fn hedged_figures_match_loosely_in_their_direction() {
        let r = results(&[("clicks", 1234.0), ("spend", 4812.37)]);
        for ok in [
            "about 1,200 clicks",
            "roughly 1,250 clicks",
            "~1.2k clicks",
            "over 1,000 clicks",
            "1,000+ clicks",
            "more than 1,200 clicks",
            "nearly $5k",
            "almost $5,000",
            "under $5,000",
            "at least $4,500",
        ] {
            assert!(check(ok, &r).grounded, "{ok}");
        }
        for bad in ["about 1,100 clicks", "over 1,300 clicks", "nearly $4k", "under $4,800", "about 1,320 clicks"] {
            assert!(!check(bad, &r).grounded, "{bad}");
        }
    }

    #[test]
    fn a_figure_copied_from_a_result_string_is_supported_next_to_the_same_words() {
        let r = vec![
            Value::object().with(
                "rows",
                vec![Value::object().with("name", "Acme | Lookalike 1% | Purchasers").with("spend", 10.0)],
            ),
            Value::object().with("notes", vec!["summed from each day's top 20 entries"]),
        ];
        assert!(check("\"Acme | Lookalike 1% | Purchasers\" leads.", &r).grounded);
        assert!(check("Lookalike 1% leads.", &r).grounded);
        assert!(check("it counts each day's top 20 sources", &r).grounded);
        assert_eq!(flagged("CTR was 1%.", &r), ["1%"]);
    }

    #[test]
    fn day_counts_up_to_400_are_supported() {
        let r = results(&[("spend", 10.0)]);
        assert!(check("the last 30 days, a 7-day window, 12 weeks, 3 months, 24h", &r).grounded);
        assert_eq!(flagged("the last 401 days", &r), ["401 days"]);
    }

    #[test]
    fn small_counts_of_rows_are_supported_up_to_the_longest_list() {
        let rows: Vec<Value> = (1..=4).map(|i| Value::object().with("spend", f64::from(i) * 100.0)).collect();
        let r = vec![Value::object().with("rows", rows)];
        assert!(check("the top 3 of them, 2 of which grew", &r).grounded);
        assert_eq!(flagged("the top 7", &r), ["7"]);
    }

    #[test]
    fn a_figure_in_a_names_place_must_match_the_name() {
        let rows =
            vec![Value::object().with("name", "Acme | Lookalike 1% | Purchasers").with("conversionRatePct", 2.25)];
        let r = vec![Value::object().with("rows", rows)];
        assert!(check("Lookalike 1% converts at 2.25%.", &r).grounded);
        assert_eq!(
            flagged("Lookalike 2% converts at 2.25%.", &r),
            ["2%"],
            "2% is near 2.25%, but it misquotes the name"
        );
    }

    #[test]
    fn a_percent_change_between_rows_must_be_precise_when_the_results_offer_many_pairs() {
        let two = vec![results(&[("spend", 1090.0)]).remove(0), results(&[("spend", 1000.0)]).remove(0)];
        assert!(check("Google spent 9% more than Meta.", &two).grounded);
        let many = vec![meta_campaigns()];
        // Retargeting's CPC (0.75) is 14.8% below Lookalike's (0.88).
        assert!(check("Retargeting's CPC is 14.8% lower.", &many).grounded);
        assert_eq!(flagged("Retargeting's CPC is 15% lower.", &many), ["15%"], "too coarse among 100 pairs");
    }

    #[test]
    fn a_change_is_tried_in_the_direction_the_answer_gives_it() {
        let two = vec![results(&[("spend", 1990.0)]).remove(0), results(&[("spend", 1000.0)]).remove(0)];
        // A 99% fall is too wide a window to try between two rows; a 99% rise is not.
        assert!(check("Spend rose 99% from Meta to Google.", &two).grounded);
        assert!(check("Google spent 99% more than Meta.", &two).grounded);
        assert_eq!(flagged("Google spent 99% less than Meta.", &two), ["99%"]);
        // A change too small for the precision written rounds to zero.
        let even = vec![results(&[("spend", 1000.2)]).remove(0), results(&[("spend", 1000.0)]).remove(0)];
        assert!(check("Spend rose 0.0% from Meta to Google.", &even).grounded);
    }

    #[test]
    fn a_zero_is_supported_only_by_a_zero() {
        assert!(check("0 leads", &results(&[("leads", 0.0), ("clicks", 9.0)])).grounded);
        assert_eq!(flagged("0 conversions", &results(&[("clicks", 0.0), ("spend", 0.3)])), ["0"]);
    }

    #[test]
    fn odd_separators_and_ratios_are_read_without_looping() {
        let texts: Vec<String> =
            figures(".5.5 and 1,2,3 and 1..2 and a 3.49:1 return").iter().map(|f| f.text().to_owned()).collect();
        assert_eq!(texts, ["1", "2,3", "1", "2", "3.49"], "`.5.5` is no number; `2,3` reads as a decimal comma");
    }

    // ------------------------------------------------------------------------------------------
    // A test set: realistic results, answers an analyst would write, and wrong variants of them.

    fn round(x: f64, decimals: i32) -> f64 {
        let factor = 10f64.powi(decimals);
        (x * factor).round() / factor
    }

    /// Ad totals, turned into result fields the way `ToolData::to_value` does.
    #[derive(Clone, Copy, Default)]
    struct Ad {
        spend: f64,
        impressions: f64,
        clicks: f64,
        conversions: Option<f64>,
        value: Option<f64>,
        leads: Option<f64>,
    }

    impl Ad {
        const fn new(spend: f64, impressions: f64, clicks: f64) -> Self {
            Self { spend, impressions, clicks, conversions: None, value: None, leads: None }
        }

        const fn converting(mut self, conversions: f64, value: f64) -> Self {
            self.conversions = Some(conversions);
            self.value = Some(value);
            self
        }

        const fn leads(mut self, leads: f64) -> Self {
            self.leads = Some(leads);
            self
        }

        fn fields(self, v: Value) -> Value {
            let mut v =
                v.with("spend", round(self.spend, 2)).with("impressions", self.impressions).with("clicks", self.clicks);
            v.insert("conversions", self.conversions);
            v.insert("conversionValue", self.value.map(|x| round(x, 2)));
            v.insert("leads", self.leads);
            v.insert("ctrPct", round(self.clicks / self.impressions * 100.0, 2));
            v.insert("cpc", round(self.spend / self.clicks, 2));
            v.insert("cpm", round(self.spend / self.impressions * 1000.0, 2));
            v.insert("cpa", self.conversions.map(|c| round(self.spend / c, 2)));
            v.insert("cpl", self.leads.map(|l| round(self.spend / l, 2)));
            v.insert("conversionRatePct", self.conversions.map(|c| round(c / self.clicks * 100.0, 2)));
            v.insert("roas", self.value.map(|x| round(x / self.spend, 2)));
            if let Value::Object(fields) = &mut v {
                fields.retain(|(_, x)| !x.is_null());
            }
            v
        }
    }

    const GOOGLE: Ad = Ad::new(4812.37, 182_440.0, 4963.0).converting(156.0, 16_794.12);
    const META: Ad = Ad::new(3120.44, 251_870.0, 3802.0).converting(97.0, 7450.30);

    fn range(start: &str, end: &str) -> Value {
        Value::object().with("start", start).with("end", end).with("days", 30.0).with("preset", "last_month")
    }

    fn sources(platforms: &[&str]) -> Value {
        let items: Vec<Value> = platforms
            .iter()
            .map(|p| {
                Value::object()
                    .with("platform", *p)
                    .with("lastSync", "2026-12-01T06:00:00Z")
                    .with("missingDays", Value::Array(vec![]))
            })
            .collect();
        Value::Array(items)
    }

    fn google_summary() -> Value {
        Value::object()
            .with("tool", "get_platform_summary")
            .with("platform", "googleAds")
            .with("range", range("2026-11-01", "2026-11-30"))
            .with("demo", false)
            .with("sources", sources(&["googleAds"]))
            .with("currency", "USD")
            .with("totals", GOOGLE.fields(Value::object()))
    }

    fn meta_campaigns() -> Value {
        let campaigns = [
            (
                "23851234567890001",
                "Acme | Lookalike 1% | Purchasers",
                Ad::new(1234.56, 98_210.0, 1402.0).converting(61.0, 4321.0),
            ),
            (
                "23851234567890002",
                "Acme | Retargeting 30d",
                Ad::new(842.10, 41_877.0, 1118.0).converting(54.0, 3905.40),
            ),
            (
                "23851234567890003",
                "Acme | Broad Prospecting",
                Ad::new(1610.25, 203_455.0, 1690.0).converting(38.0, 2280.0),
            ),
            ("23851234567890004", "Acme | Lead Gen Q4", Ad::new(388.0, 25_300.0, 417.0).leads(73.0)),
        ];
        let rows: Vec<Value> = campaigns
            .iter()
            .map(|(id, name, ad)| {
                let row = Value::object()
                    .with("platform", "metaAds")
                    .with("campaignId", *id)
                    .with("name", *name)
                    .with("status", "active")
                    .with("currency", "EUR");
                ad.fields(row)
            })
            .collect();
        Value::object()
            .with("tool", "list_campaigns")
            .with("platform", "metaAds")
            .with("range", range("2026-11-01", "2026-11-30"))
            .with("demo", false)
            .with("sources", sources(&["metaAds"]))
            .with("sortBy", "spend")
            .with("order", "desc")
            .with("campaigns", 4.0)
            .with("rows", rows)
    }

    fn metric_change(metric: &str, current: f64, previous: f64, decimals: i32) -> Value {
        Value::object()
            .with("metric", metric)
            .with("current", current)
            .with("previous", previous)
            .with("change", round(current - previous, decimals))
            .with("changePct", round((current - previous) / previous.abs() * 100.0, 1))
    }

    fn comparison() -> Value {
        let ads = vec![
            metric_change("spend", 4812.37, 4390.12, 2),
            metric_change("clicks", 4963.0, 4521.0, 0),
            metric_change("conversions", 156.0, 171.0, 2),
            metric_change("ctrPct", 2.72, 2.61, 2),
            metric_change("cpa", 30.85, 25.67, 2),
            metric_change("roas", 3.49, 3.72, 2),
        ];
        let site = vec![
            metric_change("sessions", 18_240.0, 16_905.0, 0),
            metric_change("users", 12_876.0, 12_034.0, 0),
            metric_change("avgSessionDurationSecs", 131.3, 124.8, 1),
            metric_change("engagementRatePct", 61.42, 58.9, 2),
            metric_change("bounceRatePct", 38.58, 41.1, 2),
        ];
        Value::object()
            .with("tool", "compare_periods")
            .with("current", range("2026-11-01", "2026-11-30"))
            .with("previous", range("2026-10-02", "2026-10-31"))
            .with("previousIs", "previous_period")
            .with("demo", false)
            .with("sources", sources(&["googleAds", "googleAnalytics"]))
            .with(
                "platforms",
                vec![
                    Value::object().with("platform", "googleAds").with("currency", "USD").with("metrics", ads),
                    Value::object().with("platform", "googleAnalytics").with("metrics", site),
                ],
            )
            .with("notes", vec!["users is the sum of each day's users"])
    }

    fn ga4_sources() -> Value {
        let total = 18_240.0;
        let rows: Vec<Value> = [
            ("google / organic", 7412.0),
            ("(direct) / (none)", 4105.0),
            ("google / cpc", 3288.0),
            ("facebook / paid", 1906.0),
            ("newsletter / email", 802.0),
        ]
        .iter()
        .map(|&(name, n)| {
            Value::object().with("name", name).with("sessions", n).with("sharePct", round(n / total * 100.0, 2))
        })
        .collect();
        Value::object()
            .with("tool", "get_site_breakdown")
            .with("range", range("2026-11-01", "2026-11-30"))
            .with("demo", false)
            .with("sources", sources(&["googleAnalytics"]))
            .with("dimension", "source")
            .with("measure", "sessions")
            .with("total", total)
            .with("entries", 9.0)
            .with("rows", rows)
            .with(
                "notes",
                vec![
                    "summed from each day's top 20 entries, so entries outside a day's top 20 are not counted that day",
                ],
            )
    }

    fn blended() -> Value {
        let both = Ad {
            spend: GOOGLE.spend + META.spend,
            impressions: GOOGLE.impressions + META.impressions,
            clicks: GOOGLE.clicks + META.clicks,
            conversions: Some(156.0 + 97.0),
            value: Some(16_794.12 + 7450.30),
            leads: None,
        };
        let share = |ad: Ad| round(ad.spend / both.spend * 100.0, 2);
        let platforms = vec![
            GOOGLE.fields(Value::object().with("platform", "googleAds")).with("spendSharePct", share(GOOGLE)),
            META.fields(Value::object().with("platform", "metaAds")).with("spendSharePct", share(META)),
        ];
        Value::object()
            .with("tool", "blended_totals")
            .with("range", range("2026-11-01", "2026-11-30"))
            .with("demo", false)
            .with("sources", sources(&["googleAds", "metaAds"]))
            .with(
                "currencies",
                vec![
                    Value::object()
                        .with("currency", "USD")
                        .with("totals", both.fields(Value::object()))
                        .with("platforms", platforms),
                ],
            )
    }

    /// Answers an analyst would write, each with the results it was written from.
    #[allow(clippy::too_many_lines)] // one table of answers reads better than several
    fn correct_answers() -> Vec<(Vec<Value>, &'static str)> {
        let google = || vec![google_summary()];
        let meta = || vec![meta_campaigns()];
        let compared = || vec![comparison()];
        let site = || vec![ga4_sources()];
        let both = || vec![blended()];
        vec![
            (
                google(),
                "Google Ads spent $4,812.37 last month (1 Nov – 30 Nov 2026) for 4,963 clicks and 156 conversions.",
            ),
            (google(), "CTR was 2.72% on 182,440 impressions, at a CPC of $0.97 and a CPM of $26.38."),
            (google(), "Each conversion cost $30.85 on average, with a 3.14% conversion rate and a ROAS of 3.49x."),
            (google(), "Conversion value reached $16,794.12 (about $16.8k), so every dollar spent brought back 3.49."),
            (google(), "Over the last 30 days Google Ads averaged $160.41 of spend and 165 clicks a day."),
            (google(), "Figures were last synced at 06:00 UTC on 2026-12-01; 2026-11-03 has no figures yet."),
            (google(), "ROAS: 3.49 (≈3.5x). Cost per 1,000 impressions: $26.38."),
            (google(), "All through November 2026 the CPC stayed under $1 (exactly $0.97)."),
            (
                meta(),
                "\"Acme | Lookalike 1% | Purchasers\" spent €1.234,56 for 1,402 clicks and 61 conversions (CPA €20,24).",
            ),
            (meta(), "Acme | Retargeting 30d has the best ROAS at 4.64x and the lowest CPA, 15,59 €."),
            (meta(), "Across the 4 campaigns Meta spent €4.074,91 in total."),
            (meta(), "Lookalike 1% took 30% of that spend."),
            (meta(), "Broad Prospecting is the weakest: ROAS 1.42x, CPA €42,38 and a CTR of only 0.83%."),
            (meta(), "Lead Gen Q4 brought 73 leads at €5,32 per lead from €388 of spend."),
            (meta(), "Retargeting's CPA (€15,59) is €4,65 lower than Lookalike's (€20,24)."),
            (meta(), "Lookalike's ROAS of 3.5x is 1.14 lower than Retargeting's 4.64x."),
            (meta(), "Top 3 campaigns by conversions: Lookalike (61), Retargeting (54) and Broad Prospecting (38)."),
            (
                meta(),
                "1. Broad Prospecting — €1.610,25\n2. Lookalike 1% — €1.234,56\n3. Retargeting 30d — €842,10\n4. Lead Gen Q4 — €388,00",
            ),
            (meta(), "Meta's campaigns drove 153 conversions from 4,627 clicks."),
            (meta(), "Retargeting converts 4.83% of clicks against 2.25% for Broad Prospecting, a gap of 2.58 pp."),
            (meta(), "Broad Prospecting reached 203.5k impressions at a CPM of €7,91."),
            (compared(), "Spend rose 9.6% to $4,812.37 (+$422.25) versus the previous 30 days."),
            (compared(), "Conversions fell from 171 to 156 (-8.8%), so CPA climbed 20.2% to $30.85 from $25.67."),
            (compared(), "ROAS slipped from 3.72x to 3.49x, down 6.2%; CTR edged up 0.11 pp to 2.72%."),
            (compared(), "Sessions grew 7.9% to 18,240 and users 7% to 12,876."),
            (compared(), "The average session now lasts 2m 11s, up from 2m 5s (+6.5s)."),
            (
                compared(),
                "Engagement rate improved to 61.42% (+2.52 points) while bounce rate fell to 38.58% from 41.1%.",
            ),
            (compared(), "Clicks were up 442 (9.8%) to 4,963, roughly 4.96k."),
            (compared(), "Compared periods: 2026-11-01 to 2026-11-30 against 2026-10-02 to 2026-10-31."),
            (compared(), "Users rose by 842, to 12.9k."),
            (compared(), "Over 30 days sessions were 18,240 against 16,905, a gain of about 1,300."),
            (compared(), "Average session duration is 131.3 seconds, 5.2% longer than before."),
            (site(), "Organic search brought 7,412 sessions, 40.6% of the 18,240 total."),
            (site(), "Direct traffic was 4,105 sessions (22.5%), and paid Google 3,288 (18%)."),
            (
                site(),
                "Paid social (facebook / paid) delivered 1,906 sessions, 10.45% of all sessions; email added 802 (4.4%).",
            ),
            (site(), "The top two sources together account for 63.15% of sessions (11,517)."),
            (site(), "Organic brought 3,307 more sessions than direct."),
            (site(), "There are 9 sources in all; the top 5 cover 96.03% of sessions."),
            (site(), "Organic search is 1.8x direct."),
            (site(), "About 41% of sessions came from google / organic."),
            (
                both(),
                "Across Google and Meta you spent USD 7,932.81 last month: 4,812.37 USD on Google (60.7%) and 3,120.44 USD on \
                 Meta (39.3%).",
            ),
            (both(), "Combined ROAS was 3.06x on $24,244.42 of conversion value; Google's 3.49x beat Meta's 2.39x."),
            (both(), "Google spent $1,691.93 more than Meta and drove 59 more conversions."),
            (both(), "Meta's CPA of $32.17 is 4.3% higher than Google's $30.85."),
            (both(), "Blended CTR was 2.02% on 434.3k impressions, with 8,765 clicks at $0.91 each."),
            (both(), "Google drove 1.3x Meta's clicks (4,963 vs 3,802)."),
            (both(), "Google took 60.66% of the budget and Meta 39.34%, a gap of 21.32 pp."),
            (both(), "Total spend was $7.9k, CPM $18.27 and conversions 253."),
            (both(), "Meta's spend is more than $3,000 and Google's is nearly $5k."),
            (both(), "Meta's conversion rate of 2.55% trails Google's 3.14% by 0.59 pp."),
            (
                vec![google_summary(), ga4_sources()],
                "Google Ads drove 4,963 clicks while GA4 counted 3,288 google / cpc sessions.",
            ),
            (
                vec![google_summary(), meta_summary()],
                "Together the two platforms spent $7,932.81; Google's $4,812.37 is 54.2% more than Meta's $3,120.44, \
                 or 60.7% of the total.",
            ),
            (
                meta(),
                "| Campaign | Spend | ROAS |\n|---|---|---|\n| Acme \\| Broad Prospecting | €1.610,25 | 1.42x |\n\
                 | Acme \\| Lookalike 1% \\| Purchasers | €1.234,56 | 3.50x |",
            ),
            (compared(), "**Spend:** $4,812.37 (↑9.6% vs. the prior 30 days)"),
            (
                google(),
                "Google Ads (Nov 1–30, 2026):\n- Impressions: 182,440\n- Clicks: 4,963 (CTR 2.72%)\n- Avg. CPC: $0.97",
            ),
            (google(), "In Google Analytics 4 terms that is a 3.49:1 return in Q4 2026, at ~$160 of spend a day."),
            (both(), "Roughly 61% of spend went to Google, and Meta got 43.4% of clicks (3,802 of 8,765)."),
            (
                both(),
                "Meta's CPC ($0.82) is 15.5% lower than Google's ($0.97), and its CPM less than half ($12.39 vs $26.38).",
            ),
            (compared(), "Bounce rate improved by 2.52 percentage points, from 41.10% to 38.58%."),
            (
                site(),
                "1. google / organic — 7,412 sessions (40.64%)\n2. (direct) / (none) — 4,105 (22.51%)\n\
                 3. google / cpc — 3,288 (18.03%)",
            ),
        ]
    }

    fn meta_summary() -> Value {
        Value::object()
            .with("tool", "get_platform_summary")
            .with("platform", "metaAds")
            .with("range", range("2026-11-01", "2026-11-30"))
            .with("demo", false)
            .with("sources", sources(&["metaAds"]))
            .with("currency", "USD")
            .with("totals", META.fields(Value::object()))
    }

    #[test]
    fn the_correct_answers_of_the_test_set_are_never_flagged() {
        let mut wrong = String::new();
        for (results, answer) in correct_answers() {
            let g = check(answer, &results);
            if !g.grounded {
                writeln!(wrong, "{answer}\n    flagged {:?}", g.unsupported).unwrap();
            }
        }
        assert!(wrong.is_empty(), "{wrong}");
    }

    /// `value` written the way `figure` is (its decimals, separators and multiplier), in place of it.
    fn with_value(answer: &str, figure: &Figure, value: f64) -> String {
        let d = &figure.detail;
        let (range, text) = if d.compound {
            let secs = value.abs().round();
            (figure.span(), format!("{:.0}m {:.0}s", (secs / 60.0).floor(), secs % 60.0))
        } else {
            (d.core.clone(), number_text(value.abs() / d.factor, d.decimals, d.group, d.point))
        };
        format!("{}{text}{}", &answer[..range.start], &answer[range.end..])
    }

    fn number_text(value: f64, decimals: i32, group: Option<char>, point: char) -> String {
        let fixed = format!("{value:.*}", usize::try_from(decimals).unwrap());
        let (whole, fraction) = fixed.split_once('.').unwrap_or((&fixed, ""));
        let mut out = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                if let Some(sep) = group {
                    out.push(sep);
                }
            }
            out.push(c);
        }
        if !fraction.is_empty() {
            out.push(point);
            out.push_str(fraction);
        }
        out
    }

    /// The figure with one of its digits changed: the first, or the last.
    fn with_digit_changed(answer: &str, figure: &Figure, last: bool) -> String {
        let span = figure.span();
        let digits: Vec<usize> =
            answer[span.clone()].char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(i, _)| i).collect();
        let at = span.start + if last { digits[digits.len() - 1] } else { digits[0] };
        let d = answer.as_bytes()[at] - b'0';
        let changed = match (last, d) {
            (false, 9) => 8,
            (_, d) => (d + 1) % 10,
        };
        format!("{}{changed}{}", &answer[..at], &answer[at + 1..])
    }

    /// The keys whose numbers measure what `figure` measures, by its unit or noun; `None` for a
    /// plain number, which any number may support.
    fn measures(figure: &Figure, key: &str) -> Option<bool> {
        use crate::grounding::Category;
        let c = category(key);
        match (figure.kind, figure.detail.noun) {
            (FigureKind::Percent, _) => Some(c == Category::Percent || c == Category::Other),
            (FigureKind::Money, _) => Some(c == Category::Money),
            (FigureKind::Multiple, _) => Some(matches!(c, Category::Multiple | Category::Other)),
            (FigureKind::Duration, _) => Some(c == Category::Seconds),
            (FigureKind::Plain, Some(keys)) => Some(keys.contains(&key)),
            (FigureKind::Plain, None) => None,
        }
    }

    /// Another metric's value for `figure`: the nearest in size of the numbers that measure
    /// something else and differ from it by more than a tenth.
    fn swapped(figure: &Figure, results: &[Value]) -> Option<f64> {
        let pool = Pool::new(results);
        let x = figure.value().abs();
        let mut best: Option<(f64, f64)> = None;
        for (key, values) in &pool.values {
            if measures(figure, key) != Some(false) || *key == "days" {
                continue;
            }
            for &v in values {
                let distance = (v / x).ln().abs();
                if v > 0.0 && (v - x).abs() > 0.1 * x && best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, v));
                }
            }
        }
        best.map(|(_, v)| v)
    }

    /// Wrong variants of an answer, each with one wrong figure, and what was done to it.
    fn wrong_variants(answer: &str, results: &[Value]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for figure in figures(answer) {
            if figure.detail.period {
                continue; // day counts are supported up to 400 by design: no variant of them is wrong
            }
            let x = figure.value().abs();
            let mut push = |text: String, how: &str| {
                let moved =
                    figures(&text).iter().any(|f| f.span() == figure.span() && close(f.value(), figure.value()));
                if text != answer && !moved {
                    out.push((text, format!("{how} {}", figure.text())));
                }
            };
            push(with_digit_changed(answer, &figure, false), "first digit of");
            push(with_digit_changed(answer, &figure, true), "last digit of");
            if x > 0.0 {
                push(with_value(answer, &figure, x * 10.0), "ten times");
                push(with_value(answer, &figure, x * 1.07), "7% more than");
            }
            if let Some(v) = swapped(&figure, results) {
                push(with_value(answer, &figure, v), "another metric for");
            }
        }
        out
    }

    #[test]
    fn at_least_95_percent_of_answers_with_one_wrong_figure_are_flagged() {
        let (mut total, mut caught) = (0_u32, 0_u32);
        let mut missed = String::new();
        for (results, answer) in correct_answers() {
            for (variant, how) in wrong_variants(answer, &results) {
                total += 1;
                if check(&variant, &results).grounded {
                    let pool = Pool::new(&results);
                    let original: Vec<String> = figures(answer).iter().map(|f| f.text().to_owned()).collect();
                    let why: Vec<String> = figures(&variant)
                        .iter()
                        .filter(|f| !original.iter().any(|t| t == f.text()))
                        .map(|f| format!("{} as {}", f.text(), pool.support(f, &variant).unwrap_or("?")))
                        .collect();
                    writeln!(missed, "  {how}: {variant}\n      {}", why.join("; ")).unwrap();
                } else {
                    caught += 1;
                }
            }
        }
        let rate = f64::from(caught) / f64::from(total);
        println!("flagged {caught} of {total} wrong answers ({:.1}%); missed:\n{missed}", rate * 100.0);
        assert!(total > 300, "{total} variants");
        assert!(rate >= 0.95, "flagged only {:.1}%; missed:\n{missed}", rate * 100.0);
    }

    // ------------------------------------------------------------------------------------------
    // Properties.

    fn english(whole: u32, cents: u32, decimals: i32) -> (String, f64) {
        let value = f64::from(whole) + f64::from(cents) / 100.0;
        let text = number_text(value, decimals, Some(','), '.');
        let rounded: f64 = format!("{value:.*}", usize::try_from(decimals).unwrap()).parse().unwrap();
        (text, rounded)
    }

    proptest! {
        #[test]
        fn english_numbers_read_back_within_their_precision(
            whole in 0_u32..2_000_000_000,
            cents in 0_u32..100,
            decimals in 0_i32..=2,
            style in 0_usize..8,
        ) {
            let (n, rounded) = english(whole, cents, decimals);
            let (text, kind, sign) = match style {
                0 => (n, FigureKind::Plain, 1.0),
                1 => (format!("${n}"), FigureKind::Money, 1.0),
                2 => (format!("USD {n}"), FigureKind::Money, 1.0),
                3 => (format!("{n} USD"), FigureKind::Money, 1.0),
                4 => (format!("{n}%"), FigureKind::Percent, 1.0),
                5 => (format!("-{n}%"), FigureKind::Percent, -1.0),
                6 => (format!("{n}x"), FigureKind::Multiple, 1.0),
                _ => (format!("€{n}"), FigureKind::Money, 1.0),
            };
            let f = one(&format!("It was {text} in all."));
            prop_assert_eq!(f.text(), text.as_str());
            prop_assert_eq!(f.kind(), kind);
            prop_assert!((f.value() - sign * rounded).abs() <= f.precision() * 1e-6 + 1e-9 * rounded.max(1.0));
        }

        #[test]
        fn european_amounts_read_back_within_their_precision(
            whole in 0_u32..2_000_000_000,
            cents in 0_u32..100,
            two_decimals in any::<bool>(),
            style in 0_usize..4,
        ) {
            let decimals = if two_decimals { 2 } else { 0 };
            let value = f64::from(whole) + f64::from(cents) / 100.0;
            let n = number_text(value, decimals, Some('.'), ',');
            let rounded: f64 = format!("{value:.*}", usize::try_from(decimals).unwrap()).parse().unwrap();
            let text = match style {
                0 => format!("{n} €"),
                1 => format!("€{n}"),
                2 => format!("EUR {n}"),
                _ => format!("{n} EUR"),
            };
            let f = one(&format!("Spend was {text} in all."));
            prop_assert_eq!(f.kind(), FigureKind::Money);
            prop_assert!((f.value() - rounded).abs() <= 1e-9 * rounded.max(1.0), "{} read as {}", text, f.value());
        }

        #[test]
        fn an_amount_in_the_results_is_supported_however_it_is_rounded(
            whole in 0_u32..10_000_000,
            cents in 0_u32..100,
            decimals in 0_i32..=2,
        ) {
            let (n, _) = english(whole, cents, decimals);
            let spend = f64::from(whole) + f64::from(cents) / 100.0;
            let r = results(&[("spend", spend)]);
            let answer = format!("Spend was ${n}.");
            prop_assert!(check(&answer, &r).grounded, "{}", answer);
        }

        #[test]
        fn reading_never_panics_and_spans_hold_the_figures(text in "[0-9.,:/%$€kKmMsx +\\-–()`\"a-zA-Z\n]{0,60}") {
            for f in figures(&text) {
                prop_assert_eq!(text[f.span()].trim(), f.text());
                prop_assert!(f.precision() > 0.0);
            }
            let _ = check(&text, &[blended(), meta_campaigns()]);
        }

        #[test]
        fn reading_any_text_never_panics(text in any::<String>()) {
            let _ = figures(&text);
            let _ = check(&text, &[comparison()]);
        }

        #[test]
        fn a_figure_copied_from_a_campaign_name_is_supported(
            first in "[A-Z][a-z]{2,8}",
            n in 1_u32..100,
            last in "[A-Z][a-z]{2,8}",
            quoted in any::<bool>(),
        ) {
            let name = format!("Acme | {first} {n}% | {last}");
            let r = vec![Value::object().with("rows", vec![Value::object().with("name", name.as_str()).with("spend", 10.0)])];
            let answer = if quoted { format!("\"{name}\" is the best campaign.") } else { format!("{first} {n}% is the best.") };
            prop_assert!(check(&answer, &r).grounded, "{}", answer);
        }
    }
}
