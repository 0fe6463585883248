using System.Globalization;
using System.Text;

namespace DepthwiseSharp.IO;

/// <summary>The parsed header dictionary of a <c>.npy</c> file.</summary>
/// <param name="Descr">The <c>descr</c> value when it is a string; null when it is anything else (a structured dtype).</param>
/// <param name="DescrSource">The <c>descr</c> value exactly as written in the header, for messages.</param>
/// <param name="FortranOrder">The <c>fortran_order</c> value.</param>
/// <param name="Shape">The <c>shape</c> tuple; every dimension is non-negative.</param>
internal sealed record NpyHeader(string? Descr, string DescrSource, bool FortranOrder, long[] Shape);

/// <summary>
/// A small parser for the Python literal that <c>numpy.lib.format</c> writes as the header, for example
/// <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (2, 3), }</c>.
/// </summary>
/// <remarks>
/// It accepts the subset of Python literal syntax a header can contain: strings in single or double quotes,
/// <c>True</c>, <c>False</c>, <c>None</c>, integers (with Python 2's <c>L</c> suffix), tuples, lists and dicts,
/// with any whitespace and optional trailing commas. Nesting is limited so that a hostile header cannot
/// exhaust the stack. Every failure is an <see cref="InvalidDataException"/> that names the file.
/// </remarks>
internal sealed class NpyHeaderParser
{
    private const int MaxDepth = 16;

    private readonly string _text;
    private readonly string _name;
    private int _pos;

    private NpyHeaderParser(string text, string name)
    {
        _text = text;
        _name = name;
    }

    private abstract record Value(int Start, int End);

    private sealed record StrValue(int Start, int End, string Text) : Value(Start, End);

    private sealed record BoolValue(int Start, int End, bool Flag) : Value(Start, End);

    private sealed record NoneValue(int Start, int End) : Value(Start, End);

    private sealed record IntValue(int Start, int End, long Number) : Value(Start, End);

    private sealed record SeqValue(int Start, int End, List<Value> Items, bool IsTuple) : Value(Start, End);

    private sealed record DictValue(int Start, int End, List<KeyValuePair<string, Value>> Entries) : Value(Start, End);

    /// <summary>Parses and validates a header.</summary>
    /// <param name="text">The decoded header text (after the length field).</param>
    /// <param name="name">The file name for messages.</param>
    /// <returns>The header.</returns>
    /// <exception cref="InvalidDataException">The text is not a valid header dictionary.</exception>
    public static NpyHeader Parse(string text, string name)
    {
        var parser = new NpyHeaderParser(text, name);
        parser.SkipWhitespace();
        if (parser.AtEnd || parser.Current != '{')
        {
            throw parser.Error("the header does not start with '{'");
        }

        var dict = (DictValue)parser.ParseValue(0);

        // numpy pads with spaces and ends with '\n'; tolerate any whitespace and NUL padding after the dict.
        while (!parser.AtEnd && (IsWhitespace(parser.Current) || parser.Current == '\0'))
        {
            parser._pos++;
        }

        if (!parser.AtEnd)
        {
            throw parser.Error("unexpected text after the closing '}'");
        }

        return parser.Validate(dict);
    }

    private bool AtEnd => _pos >= _text.Length;

    private char Current => _text[_pos];

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\n' or '\r' or '\f' or '\v';

    private NpyHeader Validate(DictValue dict)
    {
        Value? descr = null, fortran = null, shape = null;
        foreach (var (key, value) in dict.Entries)
        {
            switch (key)
            {
                case "descr":
                    descr = value;
                    break;
                case "fortran_order":
                    fortran = value;
                    break;
                case "shape":
                    shape = value;
                    break;
                default:
                    throw ErrorAt(value.Start, $"unexpected key '{Escape(key, 40)}' (a .npy header has exactly 'descr', 'fortran_order' and 'shape')");
            }
        }

        if (descr is null || fortran is null || shape is null)
        {
            string missing = descr is null ? "descr" : fortran is null ? "fortran_order" : "shape";
            throw ErrorAt(dict.Start, $"the header has no '{missing}' key");
        }

        if (fortran is not BoolValue fortranFlag)
        {
            throw ErrorAt(fortran.Start, $"'fortran_order' must be True or False, not {Source(fortran)}");
        }

        if (shape is not SeqValue { IsTuple: true } tuple)
        {
            throw ErrorAt(shape.Start, $"'shape' must be a tuple of integers, not {Source(shape)}");
        }

        var dims = new long[tuple.Items.Count];
        for (int i = 0; i < dims.Length; i++)
        {
            if (tuple.Items[i] is not IntValue dim)
            {
                throw ErrorAt(tuple.Items[i].Start, $"'shape' must be a tuple of integers, not {Source(shape)}");
            }

            if (dim.Number < 0)
            {
                throw ErrorAt(dim.Start, $"'shape' {Source(shape)} has a negative dimension");
            }

            dims[i] = dim.Number;
        }

        return new NpyHeader((descr as StrValue)?.Text, Source(descr), fortranFlag.Flag, dims);
    }

    private Value ParseValue(int depth)
    {
        if (depth > MaxDepth)
        {
            throw Error($"values are nested more than {MaxDepth} deep");
        }

        SkipWhitespace();
        if (AtEnd)
        {
            throw Error("the header ends where a value was expected");
        }

        int start = _pos;
        char c = Current;
        switch (c)
        {
            case '{':
                return ParseDict(depth);
            case '(':
            case '[':
                return ParseSequence(depth);
            case '\'':
            case '"':
                return ParseString();
            case '-':
            case '+':
                return ParseInt();
            default:
                if (char.IsAsciiDigit(c))
                {
                    return ParseInt();
                }

                if (char.IsAsciiLetter(c) || c == '_')
                {
                    while (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current == '_'))
                    {
                        _pos++;
                    }

                    string word = _text[start.._pos];
                    return word switch
                    {
                        "True" => new BoolValue(start, _pos, true),
                        "False" => new BoolValue(start, _pos, false),
                        "None" => new NoneValue(start, _pos),
                        _ => throw ErrorAt(start, $"unexpected name '{Escape(word, 40)}'"),
                    };
                }

                throw Error($"unexpected character '{Escape(c.ToString(), 8)}'");
        }
    }

    private DictValue ParseDict(int depth)
    {
        int start = _pos;
        _pos++; // '{'
        var entries = new List<KeyValuePair<string, Value>>();
        while (true)
        {
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error("the dictionary is not closed with '}'");
            }

            if (Current == '}')
            {
                _pos++;
                return new DictValue(start, _pos, entries);
            }

            int keyStart = _pos;
            if (Current is not ('\'' or '"'))
            {
                throw Error("expected a quoted key or '}'");
            }

            string key = ParseString().Text;
            foreach (var entry in entries)
            {
                if (entry.Key == key)
                {
                    throw ErrorAt(keyStart, $"duplicate key '{Escape(key, 40)}'");
                }
            }

            SkipWhitespace();
            if (AtEnd || Current != ':')
            {
                throw Error("expected ':' after a key");
            }

            _pos++;
            var value = ParseValue(depth + 1);
            entries.Add(new KeyValuePair<string, Value>(key, value));
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error("the dictionary is not closed with '}'");
            }

            if (Current == ',')
            {
                _pos++;
            }
            else if (Current != '}')
            {
                throw Error("expected ',' or '}' after a value");
            }
        }
    }

    private Value ParseSequence(int depth)
    {
        int start = _pos;
        char open = Current;
        char close = open == '(' ? ')' : ']';
        _pos++;
        var items = new List<Value>();
        bool sawComma = false;
        while (true)
        {
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error($"'{open}' is not closed with '{close}'");
            }

            if (Current == close)
            {
                _pos++;
                break;
            }

            items.Add(ParseValue(depth + 1));
            SkipWhitespace();
            if (AtEnd)
            {
                throw Error($"'{open}' is not closed with '{close}'");
            }

            if (Current == ',')
            {
                sawComma = true;
                _pos++;
            }
            else if (Current != close)
            {
                throw Error($"expected ',' or '{close}'");
            }
        }

        if (open == '(' && items.Count == 1 && !sawComma)
        {
            // Python: "(5)" is the integer 5, not a tuple; only "(5,)" is a 1-tuple.
            var inner = items[0];
            return inner with { Start = start, End = _pos };
        }

        return new SeqValue(start, _pos, items, open == '(');
    }

    private StrValue ParseString()
    {
        int start = _pos;
        char quote = Current;
        _pos++;
        var sb = new StringBuilder();
        while (true)
        {
            if (AtEnd || Current is '\n' or '\r')
            {
                throw ErrorAt(start, "unterminated string");
            }

            char c = Current;
            _pos++;
            if (c == quote)
            {
                return new StrValue(start, _pos, sb.ToString());
            }

            if (c == '\\')
            {
                if (AtEnd)
                {
                    throw ErrorAt(start, "unterminated string");
                }

                char e = Current;
                _pos++;
                switch (e)
                {
                    case '\\':
                    case '\'':
                    case '"':
                        sb.Append(e);
                        break;
                    case 'n':
                        sb.Append('\n');
                        break;
                    case 't':
                        sb.Append('\t');
                        break;
                    default:
                        sb.Append('\\').Append(e);
                        break;
                }
            }
            else
            {
                sb.Append(c);
            }
        }
    }

    private IntValue ParseInt()
    {
        int start = _pos;
        bool negative = false;
        if (Current is '-' or '+')
        {
            negative = Current == '-';
            _pos++;
            SkipWhitespace();
        }

        if (AtEnd || !char.IsAsciiDigit(Current))
        {
            throw Error("expected digits");
        }

        // Accumulate as a negative number so that long.MinValue's magnitude fits; reject anything wider than 64 bits.
        long acc = 0;
        while (!AtEnd && char.IsAsciiDigit(Current))
        {
            int digit = Current - '0';
            if (acc < (long.MinValue + digit) / 10)
            {
                throw ErrorAt(start, $"integer {Escape(ScanDigits(start), 60)} does not fit in 64 bits");
            }

            acc = (acc * 10) - digit;
            _pos++;
        }

        if (!AtEnd && Current is 'L' or 'l')
        {
            _pos++; // Python 2 long suffix, as old numpy wrote "(2L, 3L)"
        }

        if (!AtEnd && (char.IsAsciiLetterOrDigit(Current) || Current is '.' or '_'))
        {
            throw Error("malformed integer");
        }

        if (!negative && acc == long.MinValue)
        {
            throw ErrorAt(start, $"integer {Escape(_text[start.._pos], 60)} does not fit in 64 bits");
        }

        return new IntValue(start, _pos, negative ? acc : -acc);
    }

    private string ScanDigits(int start)
    {
        int end = start;
        while (end < _text.Length && (char.IsAsciiDigit(_text[end]) || _text[end] is '-' or '+'))
        {
            end++;
        }

        return _text[start..end];
    }

    private void SkipWhitespace()
    {
        while (!AtEnd && IsWhitespace(Current))
        {
            _pos++;
        }
    }

    private string Source(Value value) => Escape(_text[value.Start..value.End], 120);

    private InvalidDataException Error(string reason) => ErrorAt(_pos, reason);

    private InvalidDataException ErrorAt(int position, string reason) =>
        new(string.Create(
            CultureInfo.InvariantCulture,
            $"{_name}: malformed .npy header at character {position}: {reason}. Header: \"{Escape(_text.TrimEnd(' ', '\n', '\0'), 200)}\""));

    /// <summary>Makes header text safe to show: control characters escaped, long text cut.</summary>
    /// <param name="text">The text.</param>
    /// <param name="max">The number of characters kept before "...".</param>
    /// <returns>The printable text.</returns>
    internal static string Escape(string text, int max)
    {
        var sb = new StringBuilder(Math.Min(text.Length, max) + 8);
        for (int i = 0; i < text.Length; i++)
        {
            if (sb.Length >= max)
            {
                sb.Append("...");
                break;
            }

            char c = text[i];
            if (char.IsControl(c) || char.IsSurrogate(c))
            {
                sb.Append(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}");
            }
            else
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }
}
