//! Measure-Object (5.1): Count, and with `-Sum -Average -Maximum -Minimum` the statistics of
//! a property, in a GenericMeasureInfo (Count, Average, Sum, Maximum, Minimum, Property).
//! Count is the objects that have the property, `$null` values included (which add 0); a
//! `$null` input object is not counted (ProcessRecord returns at once). A value that is not a
//! number (a TimeSpan, a date, "abc") stops `-Sum`/`-Average` with an error, as in
//! PowerShell; `-Maximum`/`-Minimum` of such values give the original values. A `$null`
//! value is compared with the kept maximum and minimum as `LanguagePrimitives.Compare` does
//! (a number ≥ 0 or a non-number is greater than `$null`, a negative number less), so it
//! replaces a minimum ≥ 0 and a negative maximum, and the next value starts them again.
//! `-StandardDeviation` is PowerShell 7's (accepted, with a note), computed as its
//! Measure-Object does: a running sample variance updated a value at a time in input order
//! (`$null` as 0), 0 for one value.

use std::borrow::Cow;
use std::rc::Rc;

use super::numbers::Numbers;
use super::properties::{self, PropSpec};
use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::ops;
use crate::pwsh::ops::OpContext;
use crate::pwsh::runtime::Order;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind};
use crate::pwsh::value::{PsObject, Value};
use std::cmp::Ordering;

const fn p(name: &'static str, switch: bool) -> ParamSpec {
    ParamSpec {
        name,
        aliases: &[],
        switch,
    }
}

/// `GenericMeasureInfo` (or `GenericObjectMeasureInfo` for non-numbers).
#[derive(Debug)]
pub struct MeasureInfo {
    /// The counted objects.
    pub count: usize,
    /// `-Average`.
    pub average: Option<Value>,
    /// `-Sum`.
    pub sum: Option<Value>,
    /// `-Maximum`.
    pub maximum: Option<Value>,
    /// `-Minimum`.
    pub minimum: Option<Value>,
    /// `-StandardDeviation` (PowerShell 7).
    pub deviation: Option<Option<Value>>,
    /// The property measured.
    pub property: Option<String>,
    /// Values were not numbers (GenericObjectMeasureInfo).
    pub objects: bool,
}

impl PsObject for MeasureInfo {
    fn type_names(&self) -> Vec<Cow<'_, str>> {
        vec![Cow::Borrowed(if self.objects {
            "Microsoft.PowerShell.Commands.GenericObjectMeasureInfo"
        } else {
            "Microsoft.PowerShell.Commands.GenericMeasureInfo"
        })]
    }

    fn property_names(&self) -> Vec<Cow<'_, str>> {
        let mut names: Vec<Cow<'_, str>> = if self.objects {
            vec![
                "Count".into(),
                "Maximum".into(),
                "Minimum".into(),
                "Property".into(),
            ]
        } else {
            vec![
                "Count".into(),
                "Average".into(),
                "Sum".into(),
                "Maximum".into(),
                "Minimum".into(),
            ]
        };
        if !self.objects {
            if self.deviation.is_some() {
                names.push("StandardDeviation".into());
            }
            names.push("Property".into());
        }
        names
    }

    fn property(&self, name: &str) -> Option<Value> {
        let v = |o: &Option<Value>| o.clone().unwrap_or(Value::Null);
        Some(match name.to_ascii_lowercase().as_str() {
            "count" => Value::Int(self.count as i32),
            "average" if !self.objects => v(&self.average),
            "sum" if !self.objects => v(&self.sum),
            "maximum" => v(&self.maximum),
            "minimum" => v(&self.minimum),
            "standarddeviation" if self.deviation.is_some() => {
                self.deviation.clone().flatten().unwrap_or(Value::Null)
            }
            "property" => self.property.clone().map_or(Value::Null, Value::str),
            _ => return None,
        })
    }
}

/// Measure-Object's parameters.
pub const MEASURE_PARAMS: [ParamSpec; 12] = [
    p("Property", false),
    p("Sum", true),
    p("Average", true),
    p("Maximum", true),
    p("Minimum", true),
    p("StandardDeviation", true),
    p("AllStats", true),
    p("Line", true),
    p("Word", true),
    p("Character", true),
    p("IgnoreWhiteSpace", true),
    p("InputObject", false),
];

/// Which statistics were asked for.
#[derive(Debug, Clone, Copy)]
struct Wanted {
    sum: bool,
    avg: bool,
    max: bool,
    min: bool,
    dev: bool,
}

impl Wanted {
    fn any(self) -> bool {
        self.sum || self.avg || self.max || self.min || self.dev
    }
}

/// Measure-Object's options that decide how it runs.
struct MeasureOptions {
    wanted: Wanted,
    specs: Vec<PropSpec>,
}

fn options(engine: &mut dyn Scope, c: &Command, note: bool) -> EvalResult<MeasureOptions> {
    let params = MEASURE_PARAMS;
    let bound = bind(c, &params)?;
    super::no_more_positional(c, &bound, 1)?;
    for text in ["Line", "Word", "Character"] {
        if bound.has(text) {
            return Err(EvalError::new(
                format!("Measure-Object -{text} (text measures) is not supported"),
                c.span.clone(),
            ));
        }
    }
    let all = switch_on(engine, &bound, "AllStats")?;
    let wanted = Wanted {
        sum: all || switch_on(engine, &bound, "Sum")?,
        avg: all || switch_on(engine, &bound, "Average")?,
        max: all || switch_on(engine, &bound, "Maximum")?,
        min: all || switch_on(engine, &bound, "Minimum")?,
        dev: all || switch_on(engine, &bound, "StandardDeviation")?,
    };
    if wanted.dev && note {
        note_deviation(engine);
    }
    let specs: Vec<PropSpec> = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => properties::read(engine, e, &[])?,
        (None, Some(e)) => properties::read(engine, e, &[])?,
        _ => Vec::new(),
    };
    for s in &specs {
        if matches!(s.source, properties::Source::Script(_)) {
            return Err(EvalError::new(
                "Measure-Object -Property takes names in Windows PowerShell 5.1, not script blocks (calculate it first with Select-Object @{n=…;e={…}})",
                s.span.clone(),
            ));
        }
    }
    Ok(MeasureOptions { wanted, specs })
}

/// Tells that `-StandardDeviation` (or `-AllStats`) was given: the Exchange shell has no such
/// parameter.
fn note_deviation(engine: &mut dyn Scope) {
    engine.host().note("-StandardDeviation and -AllStats are PowerShell 7's; Windows PowerShell 5.1 (the Exchange shell) has no such parameter");
}

/// Runs Measure-Object.
pub fn measure_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let o = options(engine, c, true)?;
    // A $null input object is not measured at all.
    let input: Vec<Value> = input.into_iter().filter(|v| !v.is_null()).collect();
    if o.specs.is_empty() {
        let mut m = Measurer::new(None, o.wanted);
        for (i, item) in input.into_iter().enumerate() {
            m.add(engine.ops_ref(), item, (0, i as u64));
        }
        return Ok(vec![m.finish(c)?]);
    }
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let specs = properties::expand(&o.specs, input.first())?;
    if specs.is_empty() {
        return Err(EvalError::new(
            "no input object has a property of that name",
            c.span.clone(),
        ));
    }
    let mut out = Vec::new();
    for spec in &specs {
        let mut m = Measurer::new(Some(spec.label.to_string()), o.wanted);
        for (i, item) in input.iter().enumerate() {
            let v = properties::value_of(engine, spec, item)?;
            m.add(engine.ops_ref(), v, (0, i as u64));
        }
        out.push(m.finish(c)?);
    }
    Ok(out)
}

/// True when the Measure-Object `c` measures the count or one property named plainly (no
/// list, wildcard or variable): [`streaming`] then takes it, as its parameters alone tell.
pub fn streams(c: &Command) -> bool {
    use crate::pwsh::ast::ExprKind;
    let Ok(bound) = bind(c, &MEASURE_PARAMS) else {
        return false;
    };
    let property = match (bound.get("Property"), bound.positional.first()) {
        (Some((Some(e), _)), _) => Some(e),
        (Some((None, _)), _) => return false,
        (None, Some(e)) => Some(*e),
        (None, None) => None,
    };
    bound.positional.len() <= 1
        && property
            .is_none_or(|e| matches!(&e.kind, ExprKind::Str(s) if !s.contains(['*', '?', '['])))
}

/// A Measure-Object that can take its items in any order, one at a time, without keeping
/// them: the count, or one named property's statistics. `None` when this Measure-Object
/// needs its whole input.
pub fn streaming(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<Streaming>> {
    let o = options(engine, c, false)?;
    if o.specs.len() > 1 || o.specs.iter().any(|s| s.pattern.is_some()) {
        return Ok(None);
    }
    let spec = o.specs.into_iter().next();
    let label = spec.as_ref().map(|s| s.label.to_string());
    Ok(Some(Streaming {
        spec,
        measurer: Measurer::new(label, o.wanted),
        seen: false,
        kept_places: false,
    }))
}

/// A streaming Measure-Object: the property read from each item, then measured.
pub struct Streaming {
    spec: Option<PropSpec>,
    measurer: Measurer,
    seen: bool,
    /// Whether the numbers' places are kept was decided (at the first item).
    kept_places: bool,
}

impl Streaming {
    /// True when only the items are counted (every item adds the same).
    pub fn counts_only(&self) -> bool {
        self.spec.is_none() && !self.measurer.wanted.any()
    }

    /// Adds `n` items (more than one only when [`Streaming::counts_only`]), the first at `at`.
    pub fn add(
        &mut self,
        engine: &mut dyn Scope,
        item: Value,
        at: Order,
        n: u64,
    ) -> EvalResult<()> {
        if item.is_null() {
            // A $null input object is not measured at all.
            return Ok(());
        }
        self.seen = true;
        if n == 0 {
            // A repeat that adds nothing (after Select-Object -Unique).
            return Ok(());
        }
        if n > 1 && self.counts_only() {
            self.measurer.count += n as usize;
            return Ok(());
        }
        if !self.kept_places {
            // Out of order, a sum of numbers with fractions needs every number's place;
            // an event's own numeric properties (TotalBytes, RecipientCount) are Int32.
            self.kept_places = true;
            let event = matches!(&item, Value::Object(o)
                if o.type_names().first().is_some_and(|t| t == crate::format::EVENT_TYPE));
            let wanted = self.measurer.wanted;
            let sums = wanted.sum || wanted.avg;
            // The running variance depends on the order whatever the numbers.
            if wanted.dev || (sums && !(event && self.spec.is_some())) {
                self.measurer.numbers = Some(Numbers::new());
            }
        }
        let value = match &self.spec {
            Some(spec) => properties::value_of(engine, spec, &item)?,
            None => item,
        };
        self.measurer.add(engine.ops_ref(), value, at);
        Ok(())
    }

    /// The measure (nothing when a property was named and no item came), with the note a
    /// whole run gives.
    pub fn finish(self, engine: &mut dyn Scope, c: &Command) -> EvalResult<Vec<Value>> {
        if self.measurer.wanted.dev {
            note_deviation(engine);
        }
        if self.spec.is_some() && !self.seen {
            return Ok(Vec::new());
        }
        Ok(vec![self.measurer.finish(c)?])
    }
}

/// Measures values as they arrive, each with its place in the input's order, so that the
/// answer does not depend on the order they arrived in: numbers are summed in input order
/// (exactly, when every one is whole), and ties of `-Maximum`/`-Minimum` over non-numbers go to
/// the earlier value, as a pass over the input in order gives.
struct Measurer {
    property: Option<String>,
    wanted: Wanted,
    count: usize,
    /// The values came in input order so far (the running sum is PowerShell's).
    in_order: bool,
    last: Option<Order>,
    in_order_total: f64,
    whole: i128,
    /// A number with a fraction came.
    fractional: bool,
    /// Every number with its place, for a sum (and `-StandardDeviation`) in input order when
    /// they came out of order; `None` where the values are known to be whole (an event's
    /// own numeric properties are Int32) or to come in order (a whole input).
    numbers: Option<Numbers>,
    /// The running sum and variance of `-StandardDeviation`, right while `in_order`.
    deviation: Deviation,
    /// The latest place of a `$null` value (which may replace the maximum or minimum).
    null_at: Option<Order>,
    /// The largest and smallest number of all.
    max_number: Option<f64>,
    min_number: Option<f64>,
    /// What the maximum and minimum are after the latest `$null`, whatever order the
    /// numbers come in.
    after_null: AfterNull,
    max_value: Option<(Value, Order)>,
    min_value: Option<(Value, Order)>,
    /// The first value (in input order) that is not a number.
    not_number: Option<(Value, Order)>,
}

impl Measurer {
    fn new(property: Option<String>, wanted: Wanted) -> Measurer {
        Measurer {
            property,
            wanted,
            count: 0,
            in_order: true,
            last: None,
            in_order_total: 0.0,
            whole: 0,
            fractional: false,
            numbers: None,
            deviation: Deviation::default(),
            null_at: None,
            max_number: None,
            min_number: None,
            after_null: AfterNull::default(),
            max_value: None,
            min_value: None,
            not_number: None,
        }
    }

    fn add(&mut self, ctx: &OpContext<'_>, v: Value, at: Order) {
        self.in_order &= self.last.is_none_or(|last| last < at);
        self.last = Some(at);
        self.count += 1;
        if !self.wanted.any() {
            return;
        }
        if v.is_null() {
            self.add_null(at);
            return;
        }
        match as_number(&v) {
            Some(n) => {
                self.in_order_total += n;
                if n.fract() == 0.0 && n.abs() < 9.0e15 {
                    self.whole += n as i128;
                } else {
                    self.fractional = true;
                }
                if let Some(numbers) = &mut self.numbers {
                    numbers.push(at, n);
                }
                if self.wanted.dev {
                    self.deviation = self.deviation.step(n);
                }
                self.max_number = Some(self.max_number.map_or(n, |m| m.max(n)));
                self.min_number = Some(self.min_number.map_or(n, |m| m.min(n)));
                if self.wanted.max || self.wanted.min {
                    self.after_null.number(at, n, self.null_at);
                }
            }
            None => {
                if self
                    .not_number
                    .as_ref()
                    .is_none_or(|(_, first)| at < *first)
                {
                    self.not_number = Some((v.clone(), at));
                }
            }
        }
        if self.wanted.max || self.wanted.min {
            self.max_value = Some(pick(ctx, self.max_value.take(), &v, at, Ordering::Greater));
            self.min_value = Some(pick(ctx, self.min_value.take(), &v, at, Ordering::Less));
        }
    }

    /// A `$null` value: 0 to the sums and the variance (`[double]$null`); compared with the
    /// kept maximum and minimum as PowerShell compares a value with `$null`.
    fn add_null(&mut self, at: Order) {
        // (A sum from 0.0 is the same without the zeros; the variance counts them.)
        if self.wanted.dev {
            if let Some(numbers) = &mut self.numbers {
                numbers.push(at, 0.0);
            }
            self.deviation = self.deviation.step(0.0);
        }
        if !(self.wanted.max || self.wanted.min) {
            return;
        }
        let last = self.null_at.map_or(at, |p| p.max(at));
        self.null_at = Some(last);
        self.after_null.null(last);
        if !self.in_order {
            // Out of order, what a $null replaced among values that are not numbers is not
            // known: `finish` says so if they are the answer.
            return;
        }
        let negative = |n: f64| n < 0.0;
        // A kept minimum greater than $null (≥ 0, or not a number) becomes $null, and so
        // does a kept maximum less than it (negative).
        if self
            .min_value
            .as_ref()
            .is_some_and(|(v, _)| !as_number(v).is_some_and(negative))
        {
            self.min_value = None;
        }
        if self
            .max_value
            .as_ref()
            .is_some_and(|(v, _)| as_number(v).is_some_and(negative))
        {
            self.max_value = None;
        }
    }

    /// The sum PowerShell gives (in input order, as doubles): when the values came in order,
    /// their running sum; when every one is whole, their exact sum (the same while it stays
    /// below 2^53); otherwise every number summed in input order.
    fn total(&mut self, c: &Command) -> EvalResult<f64> {
        if self.in_order {
            return Ok(self.in_order_total);
        }
        if !self.fractional {
            return Ok(self.whole as f64);
        }
        let Some(numbers) = self.numbers.take() else {
            return Err(EvalError::new(
                "Measure-Object was given numbers with fractions out of order where it kept only whole ones (an error in msgtrack): the sum would not be PowerShell's",
                c.span.clone(),
            ));
        };
        numbers.sum_in_order().map_err(|e| {
            EvalError::new(
                format!("Measure-Object could not read back its temporary file: {e}"),
                c.span.clone(),
            )
        })
    }

    fn finish(mut self, c: &Command) -> EvalResult<Value> {
        let Wanted {
            sum,
            avg,
            max,
            min,
            dev,
        } = self.wanted;
        let count = self.count;
        if (max || min) && !sum && !avg && !dev && self.not_number.is_some() {
            if self.null_at.is_some() && !self.in_order {
                return Err(EvalError::new(
                    "Measure-Object -Maximum/-Minimum: some values were $null and came out of input order; PowerShell's answer depends on where each $null is (one replaces a minimum that is not a number), so msgtrack gives none",
                    c.span.clone(),
                ));
            }
            // GenericObjectMeasureInfo: the original values.
            return Ok(Value::Object(Rc::new(MeasureInfo {
                count,
                average: None,
                sum: None,
                maximum: if max {
                    self.max_value.map(|(v, _)| v)
                } else {
                    None
                },
                minimum: if min {
                    self.min_value.map(|(v, _)| v)
                } else {
                    None
                },
                deviation: None,
                property: self.property,
                objects: true,
            })));
        }
        if let Some((v, _)) = &self.not_number
            && (sum || avg || max || min || dev)
        {
            let what = if avg {
                "-Average"
            } else if sum {
                "-Sum"
            } else {
                "-Maximum/-Minimum"
            };
            return Err(EvalError::new(
                format!(
                    "Measure-Object {what}: the input object \"{}\" is not numeric (a {}); PowerShell stops here too",
                    v.to_text(),
                    v.type_name().trim_start_matches("System.")
                ),
                c.span.clone(),
            ));
        }
        let (max_number, min_number) = match self.null_at {
            None => (self.max_number, self.min_number),
            Some(_) => self
                .after_null
                .extremes(self.max_number, self.min_number)
                .ok_or_else(|| {
                    EvalError::new(
                        format!(
                            "Measure-Object -Maximum/-Minimum: some values were $null, and the numbers after the last one that could be the answer passed {AFTER_NULL_LIMIT}; PowerShell's answer depends on where each $null is, so msgtrack gives none"
                        ),
                        c.span.clone(),
                    )
                })?,
        };
        let (total, variance) = if dev && !self.in_order {
            let Some(numbers) = self.numbers.take() else {
                return Err(EvalError::new(
                    "Measure-Object -StandardDeviation was given numbers out of order without their places (an error in msgtrack)",
                    c.span.clone(),
                ));
            };
            let d = numbers
                .fold_in_order(Deviation::default(), Deviation::step)
                .map_err(|e| {
                    EvalError::new(
                        format!("Measure-Object could not read back its temporary file: {e}"),
                        c.span.clone(),
                    )
                })?;
            (d.sum, d.variance)
        } else {
            (self.total(c)?, self.deviation.variance)
        };
        let mean = (count > 0).then(|| total / count as f64);
        let deviation = dev.then(|| Some(Value::Double(variance.sqrt())));
        Ok(Value::Object(Rc::new(MeasureInfo {
            count,
            average: if avg { mean.map(Value::Double) } else { None },
            sum: sum.then_some(Value::Double(total)),
            maximum: if max {
                max_number.map(Value::Double)
            } else {
                None
            },
            minimum: if min {
                min_number.map(Value::Double)
            } else {
                None
            },
            deviation,
            property: self.property,
            objects: false,
        })))
    }
}

/// How many numbers [`AfterNull`] keeps for each of the maximum and minimum.
const AFTER_NULL_LIMIT: usize = 1 << 20;

/// The maximum and minimum PowerShell gives when some values are `$null`, from numbers in
/// any order. Measure-Object compares each value with the kept one (`LanguagePrimitives.
/// Compare`), and a number ≥ 0 is greater than `$null`, a negative one less: a `$null`
/// replaces a kept minimum ≥ 0 and a kept negative maximum, and the next number starts
/// them again. So a negative minimum is never replaced (the minimum of all is the answer
/// when any number is negative), nor a maximum ≥ 0; otherwise the answer is the smallest
/// (largest) number after the last `$null`. Those are kept as staircases: by place, each
/// number kept only while no later one is as small (large), and none before the last
/// `$null` seen, so a few numbers are kept, not all.
#[derive(Debug, Default)]
struct AfterNull {
    any_negative: bool,
    any_not_negative: bool,
    /// Numbers whose values rise with their places (the minimum after a place is the first
    /// after it).
    smallest: std::collections::BTreeMap<Order, f64>,
    /// Numbers whose values fall with their places.
    largest: std::collections::BTreeMap<Order, f64>,
    /// A staircase passed [`AFTER_NULL_LIMIT`].
    overflow: bool,
}

impl AfterNull {
    fn number(&mut self, at: Order, n: f64, last_null: Option<Order>) {
        self.any_negative |= n < 0.0;
        self.any_not_negative |= n >= 0.0;
        if last_null.is_some_and(|last| at <= last) || self.overflow {
            return;
        }
        step_into(&mut self.smallest, at, n, |later, new| later <= new);
        step_into(&mut self.largest, at, n, |later, new| later >= new);
        self.overflow |=
            self.smallest.len() > AFTER_NULL_LIMIT || self.largest.len() > AFTER_NULL_LIMIT;
    }

    /// A `$null`, the latest so far at `last`: the numbers up to it cannot be the answer.
    fn null(&mut self, last: Order) {
        for steps in [&mut self.smallest, &mut self.largest] {
            let after = steps.split_off(&last);
            *steps = after;
            steps.remove(&last);
        }
    }

    /// The maximum and minimum PowerShell gives, from those of all the numbers; `None` when
    /// a staircase overflowed and its answer is needed.
    fn extremes(&self, max: Option<f64>, min: Option<f64>) -> Option<(Option<f64>, Option<f64>)> {
        let first = |steps: &std::collections::BTreeMap<Order, f64>| {
            (!self.overflow).then(|| steps.values().next().copied())
        };
        let max = if self.any_not_negative {
            max
        } else {
            first(&self.largest)?
        };
        let min = if self.any_negative {
            min
        } else {
            first(&self.smallest)?
        };
        Some((max, min))
    }
}

/// Puts `n` at `at` into a staircase of numbers by place, where no number is followed by
/// one that `beats` it (`beats(later, earlier)`): `n` is left out if a later number beats
/// it, and the earlier numbers it beats go.
fn step_into(
    steps: &mut std::collections::BTreeMap<Order, f64>,
    at: Order,
    n: f64,
    beats: impl Fn(f64, f64) -> bool,
) {
    if steps
        .range(at..)
        .next()
        .is_some_and(|(_, later)| beats(*later, n))
    {
        return;
    }
    while let Some((place, earlier)) = steps.range(..at).next_back()
        && beats(n, *earlier)
    {
        let place = *place;
        steps.remove(&place);
    }
    steps.insert(at, n);
}

/// `v` as a number for the statistics: dates, durations and objects are not numbers.
fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::DateTime(_) | Value::TimeSpan(_) | Value::Object(_) | Value::Hashtable(_) => None,
        other => ops::to_number(other).ok().map(|n| n.to_f64()),
    }
}

/// PowerShell 7's running sample variance (Measure-Object's `AnalyzeNumber`): each value
/// moves the sum and scales and adds to the variance, so the digits depend on the order.
#[derive(Debug, Clone, Copy, Default)]
struct Deviation {
    count: u64,
    sum: f64,
    variance: f64,
}

impl Deviation {
    fn step(self, x: f64) -> Deviation {
        let count = self.count + 1;
        let previous = self.sum;
        let sum = previous + x;
        let mut variance = self.variance;
        if count > 1 {
            let n = count as f64;
            let mean_before = previous / (n - 1.0);
            variance *= (n - 2.0) / (n - 1.0);
            variance += (x - mean_before) * (x - mean_before) / n;
        }
        Deviation {
            count,
            sum,
            variance,
        }
    }
}

/// The kept value or `v`, whichever is further in direction `want` (the earlier on a tie).
fn pick(
    ctx: &OpContext<'_>,
    kept: Option<(Value, Order)>,
    v: &Value,
    at: Order,
    want: Ordering,
) -> (Value, Order) {
    match kept {
        None => (v.clone(), at),
        Some((k, k_at)) => match ops::sort_order(v, &k, false, ctx) {
            o if o == want => (v.clone(), at),
            Ordering::Equal if at < k_at => (v.clone(), at),
            _ => (k, k_at),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PowerShell's Measure-Object over `values` in input order (`None` is `$null`): each
    /// value compared with the kept one as `LanguagePrimitives.Compare` orders numbers and
    /// `$null` (≥ 0 above it, negative below it), the kept one replaced when the comparison
    /// says so (`Compare(kept, value) > 0` for the minimum, `< 0` for the maximum).
    fn shell(values: &[Option<i32>]) -> (Option<f64>, Option<f64>) {
        // -1, 0 or 1 as Compare(kept, value) gives it, `None` standing for $null.
        let compare = |kept: Option<f64>, value: Option<f64>| -> i32 {
            match (kept, value) {
                (None, None) => 0,
                (None, Some(v)) => {
                    if v < 0.0 {
                        1
                    } else {
                        -1
                    }
                }
                (Some(k), None) => {
                    if k < 0.0 {
                        -1
                    } else {
                        1
                    }
                }
                (Some(k), Some(v)) => k.partial_cmp(&v).map_or(0, |o| o as i32),
            }
        };
        let (mut max, mut min): (Option<Option<f64>>, Option<Option<f64>>) = (None, None);
        for v in values.iter().map(|v| v.map(f64::from)) {
            // A kept "nothing yet" (statValue == null) is always replaced.
            min = Some(match min {
                Some(kept) if kept.is_some() && compare(kept, v) <= 0 => kept,
                _ => v,
            });
            max = Some(match max {
                Some(kept) if kept.is_some() && compare(kept, v) >= 0 => kept,
                _ => v,
            });
        }
        (max.flatten(), min.flatten())
    }

    /// The same values handed to [`AfterNull`] in `order` (a permutation of their places).
    fn streamed(values: &[Option<i32>], order: &[usize]) -> (Option<f64>, Option<f64>) {
        let mut after = AfterNull::default();
        let (mut max, mut min, mut last): (Option<f64>, Option<f64>, Option<Order>) =
            (None, None, None);
        for &i in order {
            let at = (i as i64, 0);
            match values[i] {
                Some(v) => {
                    let n = f64::from(v);
                    max = Some(max.map_or(n, |m| m.max(n)));
                    min = Some(min.map_or(n, |m| m.min(n)));
                    after.number(at, n, last);
                }
                None => {
                    let l = last.map_or(at, |p| p.max(at));
                    last = Some(l);
                    after.null(l);
                }
            }
        }
        match last {
            None => (max, min),
            Some(_) => after.extremes(max, min).expect("no overflow"),
        }
    }

    #[test]
    fn a_null_replaces_a_minimum_of_zero_or_more_and_a_negative_maximum() {
        let v = |xs: &[Option<i32>]| xs.to_vec();
        // 5, $null, 7: the minimum 5 gives way to $null, then 7; the maximum stays.
        assert_eq!(shell(&v(&[Some(5), None, Some(7)])), (Some(7.0), Some(7.0)));
        // -5, $null: the negative minimum stays, the negative maximum gives way.
        assert_eq!(shell(&v(&[Some(-5), None])), (None, Some(-5.0)));
        let values = v(&[
            Some(9),
            Some(2),
            None,
            Some(4),
            Some(6),
            None,
            Some(8),
            Some(3),
        ]);
        let backwards: Vec<usize> = (0..values.len()).rev().collect();
        assert_eq!(streamed(&values, &backwards), shell(&values));
        assert_eq!(shell(&values), (Some(9.0), Some(3.0)));
    }

    proptest::proptest! {
        #[test]
        fn any_arrival_order_gives_the_shell_s_maximum_and_minimum(
            values in proptest::collection::vec(
                proptest::option::weighted(0.8, -20i32..20), 0..40),
            seed in proptest::prelude::any::<u64>(),
        ) {
            // A permutation of the places from the seed.
            let mut order: Vec<usize> = (0..values.len()).collect();
            let mut state = seed;
            for i in (1..order.len()).rev() {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                order.swap(i, (state >> 33) as usize % (i + 1));
            }
            proptest::prop_assert_eq!(streamed(&values, &order), shell(&values));
        }
    }
}
