using System.Security.Cryptography;
using System.Text;

namespace OpenTracy;

/// <summary>
/// A credential value (provider key, gateway key). It never prints itself: <see cref="ToString"/>
/// gives a redacted marker, and <see cref="Fingerprint"/> is a short one-way hash safe for logs,
/// metrics and entity ids. Only <see cref="Reveal"/> yields the value, at the point it goes on the wire.
/// </summary>
public sealed class Secret : IEquatable<Secret>
{
    private readonly string _value;
    private string? _fingerprint;

    public Secret(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        _value = value;
    }

    /// <summary>Null or empty → null; otherwise a secret.</summary>
    public static Secret? FromNullable(string? value) => string.IsNullOrEmpty(value) ? null : new Secret(value);

    public string Reveal() => _value;

    /// <summary>First 12 hex digits of SHA-256 over the value.</summary>
    public string Fingerprint => _fingerprint ??= Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_value)))[..12];

    /// <summary>Constant-time comparison against a candidate value.</summary>
    public bool Matches(ReadOnlySpan<char> candidate)
    {
        var a = Encoding.UTF8.GetBytes(_value);
        var b = Encoding.UTF8.GetBytes(candidate.ToArray());
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(a), SHA256.HashData(b));
    }

    public override string ToString() => "[redacted]";
    public bool Equals(Secret? other) => other is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(_value), Encoding.UTF8.GetBytes(other._value));
    public override bool Equals(object? obj) => obj is Secret s && Equals(s);
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Fingerprint);
}
