using System.Globalization;
using System.Text;

namespace OpenTracy.Routing.Npz;

/// <summary>
/// The header dictionary of an .npy file, e.g. <c>{'descr': '&lt;f4', 'fortran_order': False, 'shape': (100, 384), }</c>,
/// read with a small parser for exactly that Python-literal subset (strings, booleans, int tuples).
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, int[] Shape)
{
    public static NpyHeader Parse(string text)
    {
        var p = new Parser(text);
        var fields = p.ParseDict();
        if (!fields.TryGetValue("descr", out var descr) || descr is not string d)
            throw new NpyFormatException("header has no string 'descr' (structured dtypes are not supported)");
        if (!fields.TryGetValue("shape", out var shape) || shape is not int[] s)
            throw new NpyFormatException("header has no 'shape' tuple");
        var fortran = fields.TryGetValue("fortran_order", out var f) && f is true;
        return new NpyHeader(d, fortran, s);
    }

    public string Format()
    {
        var shape = Shape.Length switch
        {
            0 => "()",
            1 => $"({Shape[0]},)",
            _ => "(" + string.Join(", ", Shape) + ")",
        };
        return $"{{'descr': '{Descr}', 'fortran_order': {(FortranOrder ? "True" : "False")}, 'shape': {shape}, }}";
    }

    private sealed class Parser(string text)
    {
        private int _pos;

        public Dictionary<string, object> ParseDict()
        {
            var result = new Dictionary<string, object>(StringComparer.Ordinal);
            Expect('{');
            while (true)
            {
                SkipSpace();
                if (TryConsume('}')) return result;
                var key = ParseString();
                Expect(':');
                result[key] = ParseValue();
                SkipSpace();
                if (TryConsume(',')) continue;
                Expect('}');
                return result;
            }
        }

        private object ParseValue()
        {
            SkipSpace();
            if (_pos >= text.Length) throw Error("unexpected end");
            var c = text[_pos];
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (text.AsSpan(_pos).StartsWith("True")) { _pos += "True".Length; return true; }
            if (text.AsSpan(_pos).StartsWith("False")) { _pos += "False".Length; return false; }
            if (c == '[') throw new NpyFormatException("structured dtypes are not supported");
            throw Error($"unexpected '{c}'");
        }

        private int[] ParseTuple()
        {
            Expect('(');
            var dims = new List<int>();
            while (true)
            {
                SkipSpace();
                if (TryConsume(')')) return [.. dims];
                var start = _pos;
                while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
                // numpy may write "3L" on old Python 2 files
                var digits = text.AsSpan(start, _pos - start);
                if (_pos < text.Length && text[_pos] == 'L') _pos++;
                if (!int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var dim))
                    throw Error("bad shape dimension");
                dims.Add(dim);
                SkipSpace();
                if (TryConsume(',')) continue;
                Expect(')');
                return [.. dims];
            }
        }

        private string ParseString()
        {
            SkipSpace();
            if (_pos >= text.Length || text[_pos] is not ('\'' or '"')) throw Error("expected a quoted string");
            var quote = text[_pos++];
            var sb = new StringBuilder();
            while (_pos < text.Length && text[_pos] != quote) sb.Append(text[_pos++]);
            Expect(quote);
            return sb.ToString();
        }

        private void Expect(char c)
        {
            SkipSpace();
            if (!TryConsume(c)) throw Error($"expected '{c}'");
        }

        private bool TryConsume(char c)
        {
            if (_pos < text.Length && text[_pos] == c)
            {
                _pos++;
                return true;
            }
            return false;
        }

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        private NpyFormatException Error(string what) => new($"bad header at offset {_pos}: {what}");
    }
}
