using System.Globalization;
using System.Text;

namespace OpenTracy.Routing.Scoring;

/// <summary>
/// Formats a double like Go's <c>fmt</c> verb <c>%g</c> (shortest round-trip digits; exponent form when the
/// exponent is below -4 or at least 6, with a signed two-digit exponent: <c>1e-05</c>, <c>1e+06</c>).
/// The reference writes λ this way in the reasoning text and the route-cache key.
/// </summary>
public static class GoFloat
{
    private const int MinFixedExponent = -4;
    private const int ShortestExponentPrecision = 6;
    private const int MinExponentDigits = 2;

    public static string G(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "+Inf";
        if (double.IsNegativeInfinity(value)) return "-Inf";
        if (value == 0) return double.IsNegative(value) ? "-0" : "0";

        var (negative, digits, pointPosition) = ShortestDigits(value);
        var exponent = pointPosition - 1;
        var sb = new StringBuilder(negative ? "-" : string.Empty);
        if (exponent < MinFixedExponent || exponent >= ShortestExponentPrecision)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exponent < 0 ? '-' : '+');
            sb.Append(Math.Abs(exponent).ToString(CultureInfo.InvariantCulture).PadLeft(MinExponentDigits, '0'));
        }
        else if (pointPosition <= 0)
        {
            sb.Append("0.").Append('0', -pointPosition).Append(digits);
        }
        else if (pointPosition >= digits.Length)
        {
            sb.Append(digits).Append('0', pointPosition - digits.Length);
        }
        else
        {
            sb.Append(digits, 0, pointPosition).Append('.').Append(digits, pointPosition, digits.Length - pointPosition);
        }
        return sb.ToString();
    }

    /// <summary>Shortest round-trip significant digits and the decimal point position (value = 0.digits × 10^pointPosition).</summary>
    private static (bool Negative, string Digits, int PointPosition) ShortestDigits(double value)
    {
        var roundTrip = Math.Abs(value).ToString("R", CultureInfo.InvariantCulture);
        // Parse the shortest form ("R"): mantissa [digits][.digits][E±exp]
        var ePos = roundTrip.IndexOfAny(['E', 'e']);
        var mantissa = ePos >= 0 ? roundTrip[..ePos] : roundTrip;
        var exp10 = ePos >= 0 ? int.Parse(roundTrip[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var dot = mantissa.IndexOf('.');
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : string.Empty;
        var all = intPart + fracPart;
        var point = intPart.Length + exp10;
        var leadingZeros = 0;
        while (leadingZeros < all.Length - 1 && all[leadingZeros] == '0') leadingZeros++;
        all = all[leadingZeros..];
        point -= leadingZeros;
        all = all.TrimEnd('0');
        return (value < 0, all.Length == 0 ? "0" : all, point);
    }
}
