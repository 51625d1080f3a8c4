using System;
using System.Collections;
using System.Linq;

namespace OpsRunbook.Engine.Observability
{
    /// <summary>
    /// A condition on a log entry that the engine can decide on any thread: what a simple -Filter script block
    /// ({ $_.Data.duration -gt 1000 }) says, translated by the cmdlet. Null means "cannot decide here": the value
    /// is of a kind whose PowerShell comparison rules are not copied (strings against numbers, arrays, nulls), so
    /// the script block itself decides, on the pipeline thread.
    /// </summary>
    public abstract class LogPredicate
    {
        public abstract bool? Evaluate(LogEntry entry);

        public static LogPredicate And(LogPredicate left, LogPredicate right) => new Both(left, right);

        public static LogPredicate Or(LogPredicate left, LogPredicate right) => new Either(left, right);

        public static LogPredicate Not(LogPredicate inner) => new Negation(inner);

        /// <param name="path">As <see cref="LogEntryField.Get"/> reads it: Data.duration, Level.</param>
        /// <param name="op">gt, ge, lt, le, eq or ne; caseSensitive for PowerShell's -ceq and -cne.</param>
        public static LogPredicate Compare(string path, string op, object constant, bool caseSensitive) => new Comparison(path, op, constant, caseSensitive);

        private sealed class Both : LogPredicate
        {
            private readonly LogPredicate _left;
            private readonly LogPredicate _right;

            public Both(LogPredicate left, LogPredicate right)
            {
                _left = left;
                _right = right;
            }

            public override bool? Evaluate(LogEntry entry)
            {
                var left = _left.Evaluate(entry);
                if (left == false)
                {
                    return false;
                }

                var right = _right.Evaluate(entry);
                return right == false ? false : left == true && right == true ? true : null;
            }
        }

        private sealed class Either : LogPredicate
        {
            private readonly LogPredicate _left;
            private readonly LogPredicate _right;

            public Either(LogPredicate left, LogPredicate right)
            {
                _left = left;
                _right = right;
            }

            public override bool? Evaluate(LogEntry entry)
            {
                var left = _left.Evaluate(entry);
                if (left == true)
                {
                    return true;
                }

                var right = _right.Evaluate(entry);
                return right == true ? true : left == false && right == false ? false : null;
            }
        }

        private sealed class Negation : LogPredicate
        {
            private readonly LogPredicate _inner;

            public Negation(LogPredicate inner)
            {
                _inner = inner;
            }

            public override bool? Evaluate(LogEntry entry) => _inner.Evaluate(entry) is bool value ? !value : null;
        }

        private sealed class Comparison : LogPredicate
        {
            private readonly string _path;
            private readonly string _op;
            private readonly object _constant;
            private readonly bool _caseSensitive;

            public Comparison(string path, string op, object constant, bool caseSensitive)
            {
                _path = path;
                _op = op;
                _constant = constant;
                _caseSensitive = caseSensitive;
            }

            public override bool? Evaluate(LogEntry entry)
            {
                var value = LogEntryField.Get(entry, _path);
                if (IsNumber(value) && IsNumber(_constant))
                {
                    // Whole numbers compare exactly; anything with a fraction as PowerShell does, in double.
                    var order = value is long l && _constant is long or int
                        ? l.CompareTo(System.Convert.ToInt64(_constant, System.Globalization.CultureInfo.InvariantCulture))
                        : System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)
                            .CompareTo(System.Convert.ToDouble(_constant, System.Globalization.CultureInfo.InvariantCulture));
                    if (double.IsNaN(System.Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture)))
                    {
                        return null;
                    }

                    return Decide(order);
                }

                // Strings: only equality, only plain ASCII (where PowerShell's culture rules and ordinal agree).
                if (value is string text && _constant is string wanted && _op is "eq" or "ne" && IsAscii(text) && IsAscii(wanted))
                {
                    var equal = string.Equals(text, wanted, _caseSensitive ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
                    return _op == "eq" ? equal : !equal;
                }

                return null;
            }

            private bool Decide(int order) => _op switch
            {
                "gt" => order > 0,
                "ge" => order >= 0,
                "lt" => order < 0,
                "le" => order <= 0,
                "eq" => order == 0,
                _ => order != 0,
            };

            private static bool IsNumber(object? value) => value is long or int or double;

            private static bool IsAscii(string text) => text.All(c => c < 128);
        }
    }
}
