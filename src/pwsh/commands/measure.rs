//! Measure-Object (5.1): Count, and with `-Sum -Average -Maximum -Minimum` the statistics of
//! a property, in a GenericMeasureInfo (Count, Average, Sum, Maximum, Minimum, Property).
//! Count is the objects that have the property, `$null` values included (which add 0). A
//! value that is not a number (a TimeSpan, a date, "abc") stops `-Sum`/`-Average` with an
//! error, as in PowerShell; `-Maximum`/`-Minimum` of such values give the original values.
//! `-StandardDeviation` is PowerShell 7's: accepted, with a note.

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
        engine.host().note("-StandardDeviation and -AllStats are PowerShell 7's; Windows PowerShell 5.1 (the Exchange shell) has no such parameter");
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

/// Runs Measure-Object.
pub fn measure_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
    let o = options(engine, c, true)?;
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
        let mut m = Measurer::new(Some(spec.label.clone()), o.wanted);
        for (i, item) in input.iter().enumerate() {
            let v = properties::value_of(engine, spec, item)?;
            m.add(engine.ops_ref(), v, (0, i as u64));
        }
        out.push(m.finish(c)?);
    }
    Ok(out)
}

/// A Measure-Object that can take its items in any order, one at a time, without keeping
/// them: the count, or one named property's `-Sum -Average -Maximum -Minimum` (not
/// `-StandardDeviation`). `None` when this Measure-Object needs its whole input.
pub fn streaming(engine: &mut dyn Scope, c: &Command) -> EvalResult<Option<Streaming>> {
    let o = options(engine, c, false)?;
    if o.wanted.dev || o.specs.len() > 1 || o.specs.iter().any(|s| s.pattern.is_some()) {
        return Ok(None);
    }
    let spec = o.specs.into_iter().next();
    let label = spec.as_ref().map(|s| s.label.clone());
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
            let sums = self.measurer.wanted.sum || self.measurer.wanted.avg;
            if sums && !(event && self.spec.is_some()) {
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

    /// The measure (nothing when a property was named and no item came).
    pub fn finish(self, c: &Command) -> EvalResult<Vec<Value>> {
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
    /// Every number with its place, for a sum in input order when they came out of order
    /// and some have fractions; `None` where the values are known to be whole (an event's
    /// own numeric properties are Int32) or to come in order (a whole input).
    numbers: Option<Numbers>,
    /// Every number, for `-StandardDeviation` only.
    all: Vec<(Order, f64)>,
    max_number: Option<f64>,
    min_number: Option<f64>,
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
            all: Vec::new(),
            max_number: None,
            min_number: None,
            max_value: None,
            min_value: None,
            not_number: None,
        }
    }

    fn add(&mut self, ctx: &OpContext<'_>, v: Value, at: Order) {
        self.in_order &= self.last.is_none_or(|last| last < at);
        self.last = Some(at);
        self.count += 1;
        if v.is_null() || !self.wanted.any() {
            return;
        }
        let number = match &v {
            Value::DateTime(_) | Value::TimeSpan(_) | Value::Object(_) | Value::Hashtable(_) => {
                None
            }
            other => ops::to_number(other).ok().map(|n| n.to_f64()),
        };
        match number {
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
                    self.all.push((at, n));
                }
                self.max_number = Some(self.max_number.map_or(n, |m| m.max(n)));
                self.min_number = Some(self.min_number.map_or(n, |m| m.min(n)));
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
        let total = self.total(c)?;
        let mean = (count > 0).then(|| total / count as f64);
        let deviation = dev.then(|| {
            (count > 1).then(|| {
                self.all.sort_by_key(|(at, _)| *at);
                let m = total / count as f64;
                let var = self.all.iter().map(|(_, x)| (x - m).powi(2)).sum::<f64>()
                    / (count as f64 - 1.0);
                Value::Double(var.sqrt())
            })
        });
        Ok(Value::Object(Rc::new(MeasureInfo {
            count,
            average: if avg { mean.map(Value::Double) } else { None },
            sum: sum.then_some(Value::Double(total)),
            maximum: if max {
                self.max_number.map(Value::Double)
            } else {
                None
            },
            minimum: if min {
                self.min_number.map(Value::Double)
            } else {
                None
            },
            deviation,
            property: self.property,
            objects: false,
        })))
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
