//! Measure-Object (5.1): Count, and with `-Sum -Average -Maximum -Minimum` the statistics of
//! a property, in a GenericMeasureInfo (Count, Average, Sum, Maximum, Minimum, Property).
//! Count is the objects that have the property, `$null` values included (which add 0). A
//! value that is not a number (a TimeSpan, a date, "abc") stops `-Sum`/`-Average` with an
//! error, as in PowerShell; `-Maximum`/`-Minimum` of such values give the original values.
//! `-StandardDeviation` is PowerShell 7's: accepted, with a note.

use std::borrow::Cow;
use std::rc::Rc;

use super::properties::{self, PropSpec};
use super::switch_on;
use crate::pwsh::ast::Command;
use crate::pwsh::ops;
use crate::pwsh::runtime::{EvalError, EvalResult, ParamSpec, Scope, bind};
use crate::pwsh::value::{PsObject, Value};

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

/// Runs Measure-Object.
pub fn measure_object(
    engine: &mut dyn Scope,
    c: &Command,
    input: Vec<Value>,
) -> EvalResult<Vec<Value>> {
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
    let (sum, avg, max, min) = (
        all || switch_on(engine, &bound, "Sum")?,
        all || switch_on(engine, &bound, "Average")?,
        all || switch_on(engine, &bound, "Maximum")?,
        all || switch_on(engine, &bound, "Minimum")?,
    );
    let dev = all || switch_on(engine, &bound, "StandardDeviation")?;
    if dev {
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
    if specs.is_empty() {
        let values: Vec<Value> = input;
        return Ok(vec![measure(
            engine,
            &values,
            None,
            (sum, avg, max, min, dev),
            c,
        )?]);
    }
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let specs = properties::expand(&specs, input.first())?;
    if specs.is_empty() {
        return Err(EvalError::new(
            "no input object has a property of that name",
            c.span.clone(),
        ));
    }
    let mut out = Vec::new();
    for spec in &specs {
        let mut values = Vec::with_capacity(input.len());
        for item in &input {
            values.push(properties::value_of(engine, spec, item)?);
        }
        out.push(measure(
            engine,
            &values,
            Some(spec.label.clone()),
            (sum, avg, max, min, dev),
            c,
        )?);
    }
    Ok(out)
}

fn measure(
    engine: &mut dyn Scope,
    values: &[Value],
    property: Option<String>,
    (sum, avg, max, min, dev): (bool, bool, bool, bool, bool),
    c: &Command,
) -> EvalResult<Value> {
    let count = values.len();
    let numbers = |what: &str| -> EvalResult<Vec<f64>> {
        values
            .iter()
            .filter(|v| !v.is_null())
            .map(|v| match v {
                Value::DateTime(_) | Value::TimeSpan(_) | Value::Object(_) | Value::Hashtable(_) => Err(()),
                other => ops::to_number(other).map(|n| n.to_f64()).map_err(|_| ()),
            }
            .map_err(|_| {
                EvalError::new(
                    format!(
                        "Measure-Object {what}: the input object \"{}\" is not numeric (a {}); PowerShell stops here too",
                        v.to_text(),
                        v.type_name().trim_start_matches("System.")
                    ),
                    c.span.clone(),
                )
            }))
            .collect()
    };
    let all_numeric = values.iter().filter(|v| !v.is_null()).all(|v| match v {
        Value::DateTime(_) | Value::TimeSpan(_) | Value::Object(_) => false,
        other => ops::to_number(other).is_ok(),
    });
    if (max || min) && !sum && !avg && !dev && !all_numeric {
        // GenericObjectMeasureInfo: the original values.
        let ops_ctx = engine.ops_ref();
        let pick = |want: std::cmp::Ordering| {
            values
                .iter()
                .filter(|v| !v.is_null())
                .cloned()
                .reduce(|a, b| {
                    if ops::sort_order(&b, &a, false, ops_ctx) == want {
                        b
                    } else {
                        a
                    }
                })
        };
        return Ok(Value::Object(Rc::new(MeasureInfo {
            count,
            average: None,
            sum: None,
            maximum: if max {
                pick(std::cmp::Ordering::Greater)
            } else {
                None
            },
            minimum: if min {
                pick(std::cmp::Ordering::Less)
            } else {
                None
            },
            deviation: None,
            property,
            objects: true,
        })));
    }
    let nums = if sum || avg || max || min || dev {
        numbers(if avg {
            "-Average"
        } else if sum {
            "-Sum"
        } else {
            "-Maximum/-Minimum"
        })?
    } else {
        Vec::new()
    };
    let total: f64 = nums.iter().sum();
    let mean = if count > 0 {
        Some(total / count as f64)
    } else {
        None
    };
    let deviation = if dev {
        Some(if count > 1 {
            let m = total / count as f64;
            let var = nums.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (count as f64 - 1.0);
            Some(Value::Double(var.sqrt()))
        } else {
            None
        })
    } else {
        None
    };
    Ok(Value::Object(Rc::new(MeasureInfo {
        count,
        average: if avg { mean.map(Value::Double) } else { None },
        sum: if sum {
            Some(Value::Double(total))
        } else {
            None
        },
        maximum: if max {
            nums.iter().copied().reduce(f64::max).map(Value::Double)
        } else {
            None
        },
        minimum: if min {
            nums.iter().copied().reduce(f64::min).map(Value::Double)
        } else {
            None
        },
        deviation,
        property,
        objects: false,
    })))
}
