//! The engine against answers worked out from PowerShell 5.1's documented rules
//! (shared/reference/powershell-semantics.md): one line in, the output PowerShell gives.
//! `gives(line, expected)` compares the output items' text (one per line); `fails(line, what)`
//! expects an error that says `what`.

use std::cell::RefCell;

use chrono::{TimeZone, Utc};

use super::ast::{Command, Span};
use super::culture::Culture;
use super::datetime::DateTime;
use super::eval::{Engine, EvalError, EvalResult, Host};
use super::parse::parse;
use super::value::Value;

/// A host at 2026-11-22 10:00 UTC, the zone UTC+1 (Berlin in winter), culture en-US.
pub(crate) struct TestHost {
    culture: &'static Culture,
    files: RefCell<Vec<(String, Vec<u8>)>>,
    notes: RefCell<Vec<String>>,
}

impl Host for TestHost {
    fn now(&self) -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0)
            .single()
            .expect("a time")
    }
    fn zone(&self) -> crate::format::Zone {
        // UTC+1 all year (the Etc zones' sign is inverted).
        crate::format::Zone::parse("Etc/GMT-1").unwrap()
    }
    fn culture(&self) -> &'static Culture {
        self.culture
    }
    fn command(
        &self,
        _: &mut dyn crate::pwsh::runtime::Scope,
        _: &Command,
        _: Vec<Value>,
    ) -> Option<EvalResult<Vec<Value>>> {
        None
    }
    fn write_file(
        &self,
        path: &str,
        bom: &[u8],
        body: &[u8],
        _append: bool,
        _span: &Span,
    ) -> EvalResult<()> {
        let mut bytes = bom.to_vec();
        bytes.extend_from_slice(body);
        self.files.borrow_mut().push((path.to_string(), bytes));
        Ok(())
    }
    fn display_datetime(&self, t: &DateTime) -> String {
        t.invariant_string()
    }
    fn note(&self, text: &str) {
        self.notes.borrow_mut().push(text.to_string());
    }
}

/// The test host in `culture` (shared with the commands' own unit tests).
pub(crate) fn host(culture: &str) -> TestHost {
    TestHost {
        culture: Culture::find(culture).expect("culture"),
        files: RefCell::new(Vec::new()),
        notes: RefCell::new(Vec::new()),
    }
}

fn run_in(culture: &str, line: &str) -> Result<Vec<Value>, EvalError> {
    let block = parse(line).map_err(|e| EvalError::new(e.message, e.span))?;
    let h = host(culture);
    let mut engine = Engine::new(&h);
    engine.run(&block)
}

/// Runs `line` in en-US and gives the host, to read what the line gave it (files, notes).
fn host_after(line: &str) -> TestHost {
    let h = host("en-US");
    let block = parse(line).expect("parses");
    Engine::new(&h).run(&block).expect("runs");
    h
}

fn text_of(items: &[Value]) -> String {
    items
        .iter()
        .map(|v| match v {
            Value::Object(o) => {
                let names = o.property_names();
                names
                    .iter()
                    .map(|n| {
                        format!(
                            "{n}={}",
                            o.property(n).map(|p| p.to_text()).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join(";")
            }
            other => other.to_text(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[track_caller]
fn gives(line: &str, expected: &str) {
    gives_in("en-US", line, expected);
}

#[track_caller]
fn gives_in(culture: &str, line: &str, expected: &str) {
    match run_in(culture, line) {
        Ok(items) => assert_eq!(text_of(&items), expected, "{line}"),
        Err(e) => panic!("{line}: {}", e.message),
    }
}

#[track_caller]
fn fails(line: &str, what: &str) {
    match run_in("en-US", line) {
        Ok(items) => panic!("{line} gave {}", text_of(&items)),
        Err(e) => assert!(
            e.message.contains(what),
            "{line}: '{}' does not say '{what}'",
            e.message
        ),
    }
}

fn type_of(line: &str) -> String {
    let items = run_in("en-US", line).unwrap_or_else(|e| panic!("{line}: {}", e.message));
    items
        .first()
        .map(|v| v.type_name().to_string())
        .unwrap_or_default()
}

#[test]
fn numbers_and_arithmetic() {
    gives("100KB", "102400");
    gives("0.5MB", "524288");
    gives("6/2", "3");
    gives("7/2", "3.5");
    gives("2GB", "2147483648");
    assert_eq!(type_of("1GB"), "System.Int32");
    assert_eq!(type_of("2GB"), "System.Int64");
    assert_eq!(type_of("0.5MB"), "System.Double");
    assert_eq!(type_of("1.30D"), "System.Decimal");
    gives("[int]2.5", "2");
    gives("[int]3.5", "4");
    gives("1 + '10MB'", "10485761");
    gives("'1' + 2", "12");
    gives("54153675/1024/1024", "51.6449689865112");
    gives("0.1 + 0.2", "0.3");
    gives("1e20", "1E+20");
    gives("1/3", "0.333333333333333");
    fails("1/0", "divide by zero");
    gives("1..3 -join ','", "1,2,3");
}

#[test]
fn comparisons_from_the_issue() {
    // 100KB is a number; "1000000" on the right of a number is read as one.
    gives("200000 -gt 100KB", "True");
    gives("2000000 -gt '1000000'", "True");
    gives("'10' -gt 9", "False");
    gives("'abc' -eq 1", "False");
    gives("$null -eq $null", "True");
    gives("0 -eq $null", "False");
    gives("$null -lt 5", "True");
    gives("$null -lt -5", "False");
    gives("'a' -eq 'a','b'", "False");
    gives("$true -eq 'false'", "True");
}

#[test]
fn array_semantics_of_each_operator() {
    let r = "@('a@x.com','b@y.com')";
    gives(&format!("{r} -eq 'A@X.COM'"), "a@x.com");
    gives(&format!("{r} -ne 'a@x.com'"), "b@y.com");
    gives(&format!("{r} -like '*@y.com'"), "b@y.com");
    gives(&format!("{r} -notlike '*@y.com'"), "a@x.com");
    gives(&format!("{r} -match 'x\\.com'"), "a@x.com");
    gives(&format!("{r} -notmatch 'x\\.com'"), "b@y.com");
    gives(&format!("({r} -notmatch 'com').Count"), "0");
    gives(&format!("{r} -contains 'B@Y.COM'"), "True");
    gives(&format!("{r} -ccontains 'B@Y.COM'"), "False");
    gives(&format!("'c@z' -in {r}"), "False");
    gives(&format!("'c@z' -notin {r}"), "True");
    gives(&format!("[bool]({r} -eq 'nobody')"), "False");
    gives("@(1,2,3) -gt 1", "2\n3");
    gives("@(0,0) -and $true", "True");
}

/// An expression in parentheses is its value, not its enumeration (the shell compiles a pure
/// expression as itself, Compiler.CaptureStatementResultsHelper): a one-element array stays an
/// array, so indexing takes its element, not a character of it.
#[test]
fn an_expression_in_parentheses_keeps_a_one_element_array() {
    // A sender without '@' splits into one text: [0] is all of it, [1] nothing.
    gives("('postmaster' -split '@')[0]", "postmaster");
    gives("[bool](('postmaster' -split '@')[1])", "False");
    gives("('a@x.com' -split '@')[1]", "x.com");
    gives("(('' -split '@')[-1]).Length", "0");
    gives("(@('ab'))[0]", "ab");
    gives("(,(1,2)).Count", "1");
    gives("(@()).Count", "0");
    // Assigned likewise.
    gives("$a = 'ab' -split '@'; $a[0]", "ab");
    gives("$d = ,'pq'; $d[0]", "pq");
    gives("$n = $null; $n += 'ab' -split '@'; $n[0]", "ab");
    // A pipeline of commands is collected: one output is itself.
    gives("('ab' | Select-Object -First 1)[0]", "a");
    gives("$o = 'ab' | Select-Object -First 1; $o[0]", "a");
}

#[test]
fn case_sensitive_and_insensitive_forms() {
    gives("'FAIL' -eq 'fail'", "True");
    gives("'FAIL' -ieq 'fail'", "True");
    gives("'FAIL' -ceq 'fail'", "False");
    gives("'Sales' -clike 's*'", "False");
    gives("'Sales' -like 's*'", "True");
    gives("'ABC' -cmatch 'b'", "False");
    gives("'ABC' -replace 'b','x'", "AxC");
    gives("'ABC' -creplace 'b','x'", "ABC");
    gives("'a1b2' -split '\\d'", "a\nb\n");
    gives("'aXbxc' -csplit 'x'", "aXb\nc");
}

#[test]
fn matches_and_regex_replace() {
    gives(
        "if ('550 5.1.1 RESOLVER' -match '(\\d)\\.(\\d)\\.(\\d)') { $matches[0] }",
        "5.1.1",
    );
    gives(
        "'John Smith' -replace '(\\w+) (\\w+)', '$2, $1'",
        "Smith, John",
    );
    fails("'x' -match '(?<=a)b'", "look-around");
}

#[test]
fn strings_members_and_methods() {
    gives("'Hello'.Length", "5");
    gives("'a@b.com'.Split('@')[1]", "b.com");
    gives("'a; b'.Split('; ').Count", "3");
    gives("'ABC'.Contains('b')", "False");
    gives("'ABC'.ToLower()", "abc");
    gives("'  x '.Trim()", "x");
    gives("'<id@x>'.Trim('<>')", "id@x");
    gives("'abcdef'.Substring(2,3)", "cde");
    fails("'abc'.Substring(2,5)", "outside the string");
    gives("'abc'.IndexOf('c')", "2");
    gives("'a.b.c'.Replace('.', '-')", "a-b-c");
    gives("'x'.StartsWith('X')", "False");
    fails("'x'.Frobnicate()", "has no method Frobnicate");
    fails("$null.Trim()", "null-valued");
    gives("$null.Count", "0");
    gives("'x'.Count", "1");
}

#[test]
fn format_operator_and_tostring() {
    gives("'{0:N2}' -f 1234.5", "1,234.50");
    gives_in("de-DE", "'{0:N2}' -f 1234.5", "1.234,50");
    gives("'{0,-5}|{1,5}' -f 'ab', 3", "ab   |    3");
    gives("(12.345).ToString('F1')", "12.3");
    gives(
        "'{0:yyyy-MM-dd}' -f [datetime]'11/20/2026 10:00'",
        "2026-11-20",
    );
    fails("'{1}' -f 'a'", "has no argument");
}

#[test]
fn dates_and_timespans() {
    // Get-Date is local time (the host is UTC+1): 10:00 UTC is 11:00.
    gives("(Get-Date).Hour", "11");
    gives("(Get-Date).Date", "11/22/2026 00:00:00");
    gives("[datetime]::Today", "11/22/2026 00:00:00");
    gives("(Get-Date).AddDays(-1).Date", "11/21/2026 00:00:00");
    // Unset parts keep their value: this is not midnight without -Millisecond 0 (here the
    // clock has no milliseconds, so it is).
    gives(
        "Get-Date -Hour 0 -Minute 0 -Second 0",
        "11/22/2026 00:00:00",
    );
    gives(
        "Get-Date -Month 4 -Day 31 -Year 2026",
        "05/01/2026 11:00:00",
    );
    gives(
        "(Get-Date -Date '11/20/2026 13:30').ToString('yyyy-MM-dd HH:mm')",
        "2026-11-20 13:30",
    );
    gives_in("en-GB", "(Get-Date -Date '20/11/2026 13:30').Day", "20");
    gives_in("de-DE", "(Get-Date -Date '20.11.2026').Month", "11");
    gives_in(
        "ko-KR",
        "(Get-Date -Date '2026-11-20 오후 1:30:00').Hour",
        "13",
    );
    fails("[datetime]'22/11/2026'", "is not a date");
    gives("[datetime]'11/22/2026' -gt [datetime]'11/21/2026'", "True");
    gives(
        "[datetime]'11/22/2026 10:00' -eq '11/22/2026 10:00'",
        "True",
    );
    gives(
        "([datetime]'11/22/2026 10:00' - [datetime]'11/22/2026 09:58:30').TotalSeconds",
        "90",
    );
    gives("[timespan]'00:05:00'", "00:05:00");
    gives("([timespan]'1.02:00:00').TotalHours", "26");
    gives("[timespan]'00:00:30' -gt '00:00:10'", "True");
    gives("(New-TimeSpan -Minutes 5).TotalSeconds", "300");
    gives(
        "(New-TimeSpan -Start '11/22/2026 10:00' -End '11/22/2026 10:30').TotalMinutes",
        "30",
    );
    gives("(Get-Date '11/20/2026').DayOfWeek", "Friday");
    gives(
        "[datetime]::ParseExact('2026-11-20 08:00', 'yyyy-MM-dd HH:mm', $null).Hour",
        "8",
    );
    fails("(Get-Date).AddDays(1e8)", "outside the range of dates");
}

#[test]
fn pipeline_stages_give_powershells_objects() {
    gives("1,2,3,4 | Where-Object { $_ -gt 2 }", "3\n4");
    gives("1,2,3 | ForEach-Object { $_ * 2 }", "2\n4\n6");
    gives("'a','bb' | % Length", "1\n2");
    gives("'x','y' | ForEach-Object ToUpper", "X\nY");
    gives("3,1,2 | Sort-Object", "1\n2\n3");
    gives("3,1,2 | Sort-Object -Descending", "3\n2\n1");
    gives("'b','A','a','B' | Sort-Object -Unique", "A\nb");
    gives("10,9,100 | Sort-Object", "9\n10\n100");
    gives("'10','9','100' | Sort-Object", "10\n100\n9");
    gives("1,2,3,4,5 | Select-Object -First 2", "1\n2");
    gives("1,2,3,4,5 | Select-Object -Last 2 -Skip 1", "4\n5");
    gives("'a','A','b' | Select-Object -Unique", "a\nA\nb");
    // Fuzz finding (query, crash-c3ba489d): a range past Int32 overflowed; PowerShell refuses it.
    gives("1..3", "1\n2\n3");
    fails(
        "3333333333333333333..-33333330333333333333",
        "too large or too small for an Int32",
    );
    // Objects: the same when every property is (case-sensitive); numbers still compare with
    // conversion against the text of a kept one.
    gives(
        "1..3000 | ForEach-Object { [pscustomobject]@{ A = $_ % 3; B = 'x' } } | Select-Object A,B -Unique | ForEach-Object { $_.A }",
        "1\n2\n0",
    );
    gives(
        "'x','X','x' | ForEach-Object { [pscustomobject]@{ S = $_ } } | Select-Object S -Unique | ForEach-Object S",
        "x\nX",
    );
    gives(
        "1,2,3 | Measure-Object -Sum -Average -Maximum -Minimum",
        "Count=3;Average=2;Sum=6;Maximum=3;Minimum=1;Property=",
    );
    gives(
        "1,2,3 | Measure-Object",
        "Count=3;Average=;Sum=;Maximum=;Minimum=;Property=",
    );
    gives(
        "'a','b','A' | Group-Object",
        "Values=a;Count=2;Group=a A;Name=a\nValues=b;Count=1;Group=b;Name=b",
    );
    gives(
        "'a','b','A' | Group-Object -NoElement | Sort-Object Count -Descending | Select-Object -First 1 Name,Count",
        "Name=a;Count=2",
    );
    gives(
        "'x@a.com','y@b.com','z@a.com' | Group-Object { ($_ -split '@')[-1] } | Select-Object Name,Count",
        "Name=a.com;Count=2\nName=b.com;Count=1",
    );
    gives(
        "@{a=1} | Select-Object @{n='Twice';e={$_.a * 2}}",
        "Twice=2",
    );
    gives(
        "'abc' | Select-Object @{Label='L';Expression={$_.Length}}, {$_.ToUpper()}",
        "L=3;$_.ToUpper()=ABC",
    );
}

#[test]
fn measure_object_refuses_non_numbers_as_powershell_does() {
    fails(
        "[timespan]'00:01:00' | Measure-Object -Average",
        "not numeric",
    );
    gives(
        "[timespan]'00:01:00',[timespan]'00:02:00' | Measure-Object -Maximum",
        "Count=2;Maximum=00:02:00;Minimum=;Property=",
    );
}

#[test]
fn measure_object_skips_null_input_objects_and_compares_null_values_as_powershell_does() {
    // ProcessRecord returns at a $null input object: not counted.
    gives(
        "1,$null,3 | Measure-Object",
        "Count=2;Average=;Sum=;Maximum=;Minimum=;Property=",
    );
    gives(
        "[pscustomobject]@{a=1},$null,[pscustomobject]@{a=3} | Measure-Object a -Sum",
        "Count=2;Average=;Sum=4;Maximum=;Minimum=;Property=a",
    );
    // A $null value counts (and adds [double]$null = 0). Compared with $null, a kept 5 is
    // greater (the minimum becomes $null, then 7) and stays the maximum.
    gives(
        "[pscustomobject]@{a=5},[pscustomobject]@{a=$null},[pscustomobject]@{a=7} | Measure-Object a -Minimum -Maximum -Sum",
        "Count=3;Average=;Sum=12;Maximum=7;Minimum=7;Property=a",
    );
    gives(
        "[pscustomobject]@{a=5},[pscustomobject]@{a=$null} | Measure-Object a -Minimum -Maximum",
        "Count=2;Average=;Sum=;Maximum=5;Minimum=;Property=a",
    );
    // A negative number is less than $null: it stays the minimum, and as the maximum it
    // gives way.
    gives(
        "[pscustomobject]@{a=-5},[pscustomobject]@{a=$null} | Measure-Object a -Minimum -Maximum",
        "Count=2;Average=;Sum=;Maximum=;Minimum=-5;Property=a",
    );
}

#[test]
fn measure_object_standard_deviation_is_powershell_7_s_running_sample_deviation() {
    // PowerShell 7's tests: 1,3,4 → 1.52752523165195; 1..10 -AllStats → '3.02765035409749'.
    gives(
        "1,3,4 | Measure-Object -StandardDeviation | ForEach-Object StandardDeviation",
        "1.52752523165195",
    );
    gives(
        "1..10 | Measure-Object -AllStats | ForEach-Object { $_.StandardDeviation.ToString() }",
        "3.02765035409749",
    );
    // One value: the variance never moves from 0.
    gives(
        "5 | Measure-Object -StandardDeviation | ForEach-Object StandardDeviation",
        "0",
    );
    // A $null value is the number 0: 1, 0, 3 → variance 0, 0.5, 0.25 + 2.5²/3 = 7/3.
    gives(
        "[pscustomobject]@{a=1},[pscustomobject]@{a=$null},[pscustomobject]@{a=3} | Measure-Object a -StandardDeviation | ForEach-Object StandardDeviation",
        "1.52752523165195",
    );
}

#[test]
fn csv_and_json_as_windows_powershell_5_writes_them() {
    gives(
        "@{a='x';b=$null} | Select-Object a,b | ConvertTo-Csv",
        "#TYPE Selected.System.Collections.Hashtable\n\"a\",\"b\"\n\"x\",",
    );
    gives(
        "@{a='x'} | Select-Object a | ConvertTo-Csv -NoTypeInformation -Delimiter ';'",
        "\"a\"\n\"x\"",
    );
    gives_in(
        "de-DE",
        "@{a=1.5} | Select-Object a | ConvertTo-Csv -NoTypeInformation -UseCulture",
        "\"a\"\n\"1,5\"",
    );
    gives(
        "@{n='it''s <x>'} | Select-Object n | ConvertTo-Json -Compress",
        "{\"n\":\"it\\u0027s \\u003cx\\u003e\"}",
    );
    gives("[timespan]'00:00:01' | ConvertTo-Json -Compress", "{\"Ticks\":10000000,\"Days\":0,\"Hours\":0,\"Milliseconds\":0,\"Minutes\":0,\"Seconds\":1,\"TotalDays\":1.15740740740741E-05,\"TotalHours\":0.000277777777777778,\"TotalMilliseconds\":1000,\"TotalMinutes\":0.0166666666666667,\"TotalSeconds\":1}".replace("1.15740740740741E-05", &super::value::Value::Double(1.0 / 86400.0).to_text()).replace("0.000277777777777778", &super::value::Value::Double(1.0 / 3600.0).to_text()).replace("0.0166666666666667", &super::value::Value::Double(1.0 / 60.0).to_text()).as_str());
    gives(
        "@{a=1} | Select-Object a | ConvertTo-Json",
        "{\r\n    \"a\":  1\r\n}",
    );
}

#[test]
fn never_silently_wrong_errors_name_the_construct() {
    fails("$Start", "the variable $Start is not defined");
    fails("1,2 | % { $count++ }", "nothing in the line reads it");
    fails("1 | Out-GridView", "Windows window");
    fails("1 | Foo-Bar", "Foo-Bar is not a command");
    fails("1 | Sort-Object -Descendng", "has no parameter -Descendng");
    fails("[guid]'x'", "[guid] is not known");
    fails("1..3 | Measure-Object -Line", "not supported");
    fails("@{a=1} | Select-Object @{n='x'}", "needs an Expression");
    fails(
        "@{a=1} | Select-Object @{n='x';e={1};z=2}",
        "'z' is not a key",
    );
    fails("@{a=1} | Select-Object a, a", "selected twice");
    fails(
        "1 | Select-Object -ExcludeProperty a",
        "-ExcludeProperty needs -Property",
    );
    fails("'x' | Set-Content out.txt -Encoding UTF7", "UTF7");
}

#[test]
fn files_are_written_with_5_1_encodings() {
    let h = host_after(
        "@{a='한'} | Select-Object a | Export-Csv x.csv -NoTypeInformation; @{a='é'} | Select-Object a | Export-Csv y.csv -NoTypeInformation -Encoding ASCII; 'z' | Out-File z.txt",
    );
    let files = h.files.borrow();
    assert_eq!(
        files[0].1,
        [&[0xEF, 0xBB, 0xBF][..], "\"a\"\r\n\"한\"\r\n".as_bytes()].concat(),
        "UTF-8 with a BOM"
    );
    assert_eq!(
        files[1].1, b"\"a\"\r\n\"?\"\r\n",
        "ASCII loses é as 5.1 does"
    );
    assert_eq!(
        &files[2].1[..4],
        &[0xFF, 0xFE, b'z', 0],
        "Out-File writes UTF-16 LE"
    );
}

#[test]
fn a_date_with_an_offset_becomes_local_time() {
    // DateTime.Parse converts a text with Z or an offset to local time, Kind Local; the
    // test host is UTC+1. Comparisons then line up with the log's local timestamps.
    gives("([datetime]'2026-11-20T10:00:00Z').Hour", "11");
    gives("([datetime]'2026-11-20T10:00:00+03:00').Hour", "8");
    gives("([datetime]'2026-11-20T10:00:00Z').Kind", "Local");
    gives("([datetime]'2026-11-20T10:00:00').Kind", "Unspecified");
    gives(
        "[datetime]'2026-11-20 11:00' -eq [datetime]'2026-11-20T10:00:00Z'",
        "True",
    );
    gives("(Get-Date '2026-11-20T10:00:00Z').Hour", "11");
}

#[test]
fn commas_in_method_arguments_separate_them_at_any_depth() {
    // The comma operator binds tighter than '/', but in a method's argument list a comma
    // separates the arguments.
    gives("[math]::Round(5 / 3, 2)", "1.67");
    gives("[math]::Round(3MB / 1MB, 2)", "3");
    gives("[math]::Round((1,2,3).Count / 2, 1)", "1.5");
    gives("[string]::Join(';', @('a','b'))", "a;b");
    // Outside a method call a comma still builds an array: 1,2 + 3 is (1,2)+3.
    gives("(1,2 + 3).Count", "3");
}

#[test]
fn variables_of_the_line_and_of_the_session() {
    // ForEach-Object and Where-Object blocks run in the caller's scope: a counter counts
    // across items, and a variable never set reads as $null (so $n++ starts at 1).
    gives("1,2,3 | % { $n++ }; $n", "3");
    gives("$c = 0; 1,2,3 | % { $c += $_ }; $c", "6");
    gives(
        "1,3,6 | % { if ($prev) { $_ - $prev }; $prev = $_ }",
        "2\n3",
    );
    gives("$x = 5; if ($x -gt 3) { 'big' } else { 'small' }", "big");
    // Set but never read: the admin means a later command, which msgtrack will not run.
    fails("$n = 1..3 | Measure-Object", "nothing in the line reads it");
    fails("1,2 | % { $count++ }", "nothing in the line reads it");
    // A variable the line never sets comes from the admin's script.
    fails("$StartDate.AddDays(1)", "not defined here");
    fails("Get-Date -Date $home", "automatic variable");
}

#[test]
fn overflow_is_an_answer_or_an_error_never_a_crash() {
    // Fuzzing found these panicking; .NET's answers or errors.
    fails("New-TimeSpan -Days 1e10", "TimeSpan overflowed");
    fails("[timespan]::FromDays(1e10)", "TimeSpan overflowed");
    fails("(Get-Date).AddDays(1e8)", "outside the range of dates");
    gives("[long]::MinValue / -1", "9.22337203685478E+18");
    gives("[long]::MinValue % -1", "0");
    gives("[int]::MaxValue + 1", "2147483648");
    fails("'abc'.PadLeft(1e9)", "at most 1,000,000");
    // After a comma, -1 is a negative number.
    gives("(1, -1)[1]", "-1");
    gives("('a b c' -split ' ', 2)[1]", "b c");
}

#[test]
fn groups_export_as_windows_powershell_5_writes_them() {
    // Export-Csv takes GroupInfo's properties in .NET's order and writes a collection by its
    // type's name: Group is a Collection<PSObject>, whatever it holds (strings here), and empty
    // with -NoElement. Values (an ArrayList) is joined instead, and said so.
    let collection =
        "System.Collections.ObjectModel.Collection`1[System.Management.Automation.PSObject]";
    gives(
        "'a','b','A' | Group-Object | ConvertTo-Csv -NoTypeInformation",
        &format!(
            "\"Values\",\"Count\",\"Group\",\"Name\"\n\"a\",\"2\",\"{collection}\",\"a\"\n\"b\",\"1\",\"{collection}\",\"b\""
        ),
    );
    gives(
        "'a','b','A' | Group-Object -NoElement | ConvertTo-Csv -NoTypeInformation",
        &format!(
            "\"Values\",\"Count\",\"Group\",\"Name\"\n\"a\",\"2\",\"{collection}\",\"a\"\n\"b\",\"1\",\"{collection}\",\"b\""
        ),
    );
    let h = host_after("'a','A' | Group-Object | ConvertTo-Csv");
    let notes = h.notes.borrow();
    assert!(
        notes
            .iter()
            .any(|n| n.contains("Values (System.Collections.ArrayList) is a collection")),
        "{notes:?}"
    );
    assert!(!notes.iter().any(|n| n.contains("Group (")), "{notes:?}");
}

/// Values of every kind Sort-Object compares, text and not (some compare inconsistently).
const POOL: [&str; 14] = [
    "'a'",
    "'A'",
    "'b'",
    "'B'",
    "1",
    "1.0",
    "'1'",
    "'01'",
    "$null",
    "(0.0/0.0)",
    "2",
    "$true",
    "'True'",
    "[long]1",
];
/// The texts (and $null) of [`POOL`]: keys of one kind, which compare consistently.
const TEXTS: [usize; 8] = [0, 1, 2, 3, 6, 7, 8, 12];

proptest::proptest! {
    /// `Sort-Object … | Select-Object -First N` keeps the first N as they come instead of
    /// sorting every item; the answer is the whole (stable) sort's first N, ties in input
    /// order, with `-Unique` the first of equal keys, whatever the keys (mixed kinds fall
    /// back to the whole sort).
    #[test]
    fn a_sort_s_first_n_are_the_whole_sort_s_first_n(
        picks in proptest::collection::vec(0usize..14, 0..30),
        n in 0usize..8,
        descending in proptest::bool::ANY,
        texts_only in proptest::bool::ANY,
    ) {
        let list = picks
            .iter()
            .enumerate()
            .map(|(at, &i)| {
                let key = if texts_only { POOL[TEXTS[i % TEXTS.len()]] } else { POOL[i] };
                format!("[pscustomobject]@{{K={key}; At={at}}}")
            })
            .collect::<Vec<_>>()
            .join(",");
        let flag = if descending { " -Descending" } else { "" };
        let h = host("en-US");
        let mut engine = Engine::new(&h);
        let mut run = |line: String| -> Vec<String> {
            engine
                .run(&parse(&line).expect("parses"))
                .expect("runs")
                .iter()
                .map(|v| crate::pwsh::members::member(v, "At", &(0..0)).map(|a| a.to_text()).unwrap_or_default())
                .collect()
        };
        for unique in ["", " -Unique"] {
            let first = run(format!("@({list}) | Sort-Object K{flag}{unique} | Select-Object -First {n}"));
            let whole = run(format!("@({list}) | Sort-Object K{flag}{unique} | ForEach-Object {{ $_ }} | Select-Object -First {n}"));
            proptest::prop_assert_eq!(first, whole, "{}{}", list, unique);
        }
    }

    /// `Sort-Object -Unique` drops the items whose keys exactly repeat an earlier one's before
    /// it sorts; the answer is still the shell's: every item sorted (stably), then each item
    /// dropped whose keys equal the last kept one's, as Sort-Object compares them.
    #[test]
    fn a_unique_sort_is_the_sort_of_every_item_with_equal_neighbours_dropped(
        picks in proptest::collection::vec(0usize..14, 1..24),
        descending in proptest::bool::ANY,
        texts_only in proptest::bool::ANY,
    ) {
        let list = picks
            .iter()
            .map(|&i| if texts_only { POOL[TEXTS[i % TEXTS.len()]] } else { POOL[i] })
            .collect::<Vec<_>>()
            .join(",");
        let flag = if descending { " -Descending" } else { "" };
        let h = host("en-US");
        let mut engine = Engine::new(&h);
        let run = |engine: &mut Engine<'_>, line: &str| {
            engine.run(&parse(line).expect("parses")).expect("runs")
        };
        let unique = run(&mut engine, &format!("@({list}) | Sort-Object{flag} -Unique"));
        let sorted = run(&mut engine, &format!("@({list}) | Sort-Object{flag}"));
        let ops = crate::pwsh::runtime::Scope::ops_ref(&engine);
        let mut expected: Vec<Value> = Vec::new();
        for v in sorted {
            let equal = expected.last().is_some_and(|kept| {
                super::ops::sort_order(kept, &v, false, ops) == std::cmp::Ordering::Equal
            });
            if !equal {
                expected.push(v);
            }
        }
        let shown = |vs: &[Value]| vs.iter().map(|v| format!("{v:?}")).collect::<Vec<_>>();
        proptest::prop_assert_eq!(shown(&unique), shown(&expected), "{}", list);
    }
}

#[test]
fn a_refused_stage_of_the_line_is_refused_before_anything_runs() {
    // The first statement would write a file; a stage msgtrack refuses anywhere at the top of
    // the line stops it from running at all (the stages before Out-GridView would otherwise
    // read every log first).
    for line in [
        "'x' | Out-File a.txt; 1..3 | Out-GridView",
        "'x' | Out-File a.txt; 1..3 | Sort-Object | ogv -PassThru",
    ] {
        let block = parse(line).expect("parses");
        let h = host("en-US");
        let mut engine = Engine::new(&h);
        let err = engine.run(&block).expect_err("refused");
        assert!(
            err.message.contains("Out-GridView opens a Windows window"),
            "{line}: {}",
            err.message
        );
        assert!(h.files.borrow().is_empty(), "{line}");
    }
    // Inside a script block it is refused when it runs, as before.
    fails("1 | ForEach-Object { $_ | Out-GridView }", "Out-GridView");
}

/// PowerShell passes each object through every stage before the next object: a variable set
/// in a stage and read in a later one is that object's value there (`1 2 3 | ForEach-Object
/// { $n = $_ * 10; $_ } | ForEach-Object { "$_ $n" }` gives `1 10`, `2 20`, `3 30`), which a
/// stage-by-stage run cannot give: refused. Set in -Begin, read in -End, or read after a
/// stage that takes every object first (Sort-Object, Group-Object, Measure-Object), the
/// answer is the shell's: `1 2 3 | ForEach-Object { $c++; $_ } | Sort-Object | ForEach-Object
/// { "$_ $c" }` gives `1 3`, `2 3`, `3 3` (the sort has taken every object before it outputs
/// one).
#[test]
fn a_variable_set_in_a_stage_and_read_in_a_later_one_is_refused() {
    fails(
        "1, 2, 3 | ForEach-Object { $n = $_ * 10; $_ } | ForEach-Object { \"$_ $n\" }",
        "$n is set in ForEach-Object and read in a later stage, ForEach-Object",
    );
    fails(
        "1, 2, 3 | ForEach-Object { $c++; $_ } | Where-Object { $c -gt 1 }",
        "$c is set in ForEach-Object and read in a later stage, Where-Object",
    );
    // Within a script block's own pipeline too.
    fails(
        "1, 2 | ForEach-Object { @(5, 6) | ForEach-Object { $m = $_; $_ } | ForEach-Object { $m } }",
        "$m is set in ForEach-Object",
    );
    gives(
        "1, 2, 3 | ForEach-Object { $c++; $_ } | Sort-Object | ForEach-Object { \"$_ $c\" }",
        "1 3\n2 3\n3 3",
    );
    gives(
        "1, 2, 3 | ForEach-Object -Begin { $t = 10 } -Process { $_ + $t } | ForEach-Object -Process { $_ } -End { $t }",
        "11\n12\n13\n10",
    );
    gives(
        "1, 2, 3 | ForEach-Object { $c++; $_ } | ForEach-Object -Process { $_ * 2 } -End { $c }",
        "2\n4\n6\n3",
    );
    // Set and read in the same stage: each object's own.
    gives(
        "1, 2 | ForEach-Object { $n = $_ * 10; \"$_ $n\" }",
        "1 10\n2 20",
    );
}

/// `Select-Object -First N` stops the stages before it once it has its N objects (Windows
/// PowerShell 3.0 and later), so `1, 2, 3 | ForEach-Object { $c++; $_ } | Select-Object
/// -First 1; $c` gives `1`, `1` there: a count kept before it and read outside its stage is
/// refused. After a Sort-Object (which takes every object before it outputs one) the count is
/// every object's in the shell too: `1`, `3`.
#[test]
fn a_variable_set_before_a_select_object_first_and_read_after_it_is_refused() {
    fails(
        "1, 2, 3 | ForEach-Object { $c++; $_ } | Select-Object -First 1; $c",
        "$c is set in ForEach-Object before a Select-Object -First",
    );
    fails(
        "1, 2, 3 | ForEach-Object { $c++; $_ } | Where-Object { $_ -gt 1 } | Select-Object -Skip 1 -First 1; $c",
        "$c is set in ForEach-Object before a Select-Object -First",
    );
    gives(
        "1, 2, 3 | ForEach-Object { $c++; $_ } | Sort-Object | Select-Object -First 1; $c",
        "1\n3",
    );
    gives(
        "1, 2, 3 | ForEach-Object { $n = $_ * 2; $n } | Select-Object -First 2",
        "2\n4",
    );
    gives(
        "1, 2, 3 | ForEach-Object { $c++; $_ } | Select-Object -Last 1; $c",
        "3\n3",
    );
}

#[test]
fn a_file_written_for_each_object_before_a_select_object_first_is_refused() {
    // The shell's file would hold the lines of the objects up to the stop (one here).
    let refused = "ForEach-Object writes a file for each object before a Select-Object -First";
    fails(
        "1, 2, 3 | ForEach-Object { $_ | Out-File a.txt -Append; $_ } | Select-Object -First 1",
        refused,
    );
    fails(
        "1, 2, 3 | ForEach-Object { $_ >> a.txt; $_ } | Where-Object { $_ -gt 1 } | Select-Object -First 1",
        refused,
    );
    // After a sort (every object taken first in the shell too), in -Begin, or with -Last.
    gives(
        "1, 2, 3 | ForEach-Object { $_ >> a.txt; $_ } | Sort-Object | Select-Object -First 1",
        "1",
    );
    gives(
        "1, 2, 3 | ForEach-Object -Begin { 'x' > a.txt } -Process { $_ } | Select-Object -First 2",
        "1\n2",
    );
    gives(
        "1, 2, 3 | ForEach-Object { $_ >> a.txt; $_ } | Select-Object -Last 1",
        "3",
    );
}
