using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace OpenTracy.Providers.Bedrock;

/// <summary>What signing produced: the values to put on the request and the intermediate strings (for diagnosis and tests).</summary>
/// <remarks>None of these contain the secret key; the signature is a one-way HMAC of it.</remarks>
public sealed record SigV4Signature(
    string AmzDate,
    string PayloadHash,
    string SignedHeaders,
    string CanonicalRequest,
    string StringToSign,
    string Signature,
    string Authorization);

/// <summary>
/// AWS Signature Version 4, written out by hand (HMAC-SHA256 chain; no AWS SDK). Canonical URI follows the
/// rule for every service except S3: each segment of the already-encoded path is URI-encoded again, so
/// <c>/model/a%3A0/converse</c> is signed as <c>/model/a%253A0/converse</c>. The clock is injectable.
/// </summary>
public sealed class SigV4Signer
{
    public const string Algorithm = "AWS4-HMAC-SHA256";
    public const string AmzDateFormat = "yyyyMMdd'T'HHmmss'Z'";
    public const string DateStampFormat = "yyyyMMdd";
    public const string ScopeTerminator = "aws4_request";
    public const string HostHeader = "host";
    public const string ContentTypeHeader = "content-type";
    public const string AmzDateHeader = "x-amz-date";
    public const string ContentSha256Header = "x-amz-content-sha256";
    public const string SecurityTokenHeader = "x-amz-security-token";
    public const string AuthorizationHeader = "Authorization";

    private const string SecretPrefix = "AWS4";
    private const string HexDigits = "0123456789ABCDEF";
    private const int NibbleBits = 4;
    private const int NibbleMask = 0xF;

    private readonly TimeProvider _time;

    public SigV4Signer(string service, TimeProvider? time = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        Service = service;
        _time = time ?? TimeProvider.System;
    }

    public string Service { get; }

    /// <summary>
    /// Signs a request. <paramref name="headers"/> are the headers to sign besides the ones the signer adds itself
    /// (<c>host</c> from the URI when absent, <c>x-amz-date</c>, <c>x-amz-content-sha256</c> when
    /// <paramref name="includeContentSha256"/>, <c>x-amz-security-token</c> when there is a session token).
    /// </summary>
    public SigV4Signature Sign(string method, Uri uri, IEnumerable<KeyValuePair<string, string>> headers,
        ReadOnlySpan<byte> payload, AwsCredentials credentials, bool includeContentSha256 = true)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentNullException.ThrowIfNull(credentials);
        var now = _time.GetUtcNow().ToUniversalTime();
        var amzDate = now.ToString(AmzDateFormat, CultureInfo.InvariantCulture);
        var dateStamp = now.ToString(DateStampFormat, CultureInfo.InvariantCulture);
        var payloadHash = Convert.ToHexStringLower(SHA256.HashData(payload));

        var all = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers) AddHeader(all, name, value);
        if (!all.ContainsKey(HostHeader)) all[HostHeader] = HostOf(uri);
        all[AmzDateHeader] = amzDate;
        if (includeContentSha256) all[ContentSha256Header] = payloadHash;
        if (credentials.SessionToken is { } token) all[SecurityTokenHeader] = token.Reveal();

        var signedHeaders = string.Join(';', all.Keys);
        var canonical = new StringBuilder()
            .Append(method.ToUpperInvariant()).Append('\n')
            .Append(CanonicalUri(uri.AbsolutePath)).Append('\n')
            .Append(CanonicalQuery(uri.Query)).Append('\n');
        foreach (var (name, value) in all) canonical.Append(name).Append(':').Append(value).Append('\n');
        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(payloadHash);
        var canonicalRequest = canonical.ToString();

        var scope = $"{dateStamp}/{credentials.Region}/{Service}/{ScopeTerminator}";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)))}";

        var key = SigningKey(credentials.SecretAccessKey, dateStamp, credentials.Region, Service);
        var signature = Convert.ToHexStringLower(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(stringToSign)));
        var authorization = $"{Algorithm} Credential={credentials.AccessKeyId}/{scope}, SignedHeaders={signedHeaders}, Signature={signature}";
        return new SigV4Signature(amzDate, payloadHash, signedHeaders, canonicalRequest, stringToSign, signature, authorization);
    }

    /// <summary>
    /// Signs an <see cref="HttpRequestMessage"/> whose body is <paramref name="body"/> and sets the
    /// <c>Host</c>, <c>X-Amz-*</c> and <c>Authorization</c> headers. The content type (when there is content) is signed too.
    /// </summary>
    public SigV4Signature Apply(HttpRequestMessage request, ReadOnlySpan<byte> body, AwsCredentials credentials)
    {
        ArgumentNullException.ThrowIfNull(request);
        var uri = request.RequestUri ?? throw new ArgumentException("request has no URI", nameof(request));
        var host = HostOf(uri);
        var toSign = new List<KeyValuePair<string, string>> { new(HostHeader, host) };
        if (request.Content?.Headers.ContentType is { } contentType) toSign.Add(new(ContentTypeHeader, contentType.ToString()));

        var signature = Sign(request.Method.Method, uri, toSign, body, credentials);
        request.Headers.Host = host;
        request.Headers.TryAddWithoutValidation(AmzDateHeader, signature.AmzDate);
        request.Headers.TryAddWithoutValidation(ContentSha256Header, signature.PayloadHash);
        if (credentials.SessionToken is { } token) request.Headers.TryAddWithoutValidation(SecurityTokenHeader, token.Reveal());
        request.Headers.TryAddWithoutValidation(AuthorizationHeader, signature.Authorization);
        return signature;
    }

    /// <summary>The derived key: HMAC chain over date, region, service and the terminator, seeded with "AWS4" + secret.</summary>
    public static byte[] SigningKey(Secret secretAccessKey, string dateStamp, string region, string service)
    {
        ArgumentNullException.ThrowIfNull(secretAccessKey);
        var kDate = HMACSHA256.HashData(Encoding.UTF8.GetBytes(SecretPrefix + secretAccessKey.Reveal()), Encoding.UTF8.GetBytes(dateStamp));
        var kRegion = HMACSHA256.HashData(kDate, Encoding.UTF8.GetBytes(region));
        var kService = HMACSHA256.HashData(kRegion, Encoding.UTF8.GetBytes(service));
        return HMACSHA256.HashData(kService, Encoding.UTF8.GetBytes(ScopeTerminator));
    }

    /// <summary>Canonical URI for non-S3 services: every segment of the (already encoded) path URI-encoded once more.</summary>
    public static string CanonicalUri(string encodedPath)
    {
        if (string.IsNullOrEmpty(encodedPath)) return "/";
        var segments = encodedPath.Split('/');
        for (var i = 0; i < segments.Length; i++) segments[i] = UriEncode(segments[i]);
        var path = string.Join('/', segments);
        return path.StartsWith('/') ? path : "/" + path;
    }

    /// <summary>Canonical query: parameters decoded, re-encoded strictly, sorted by name then value.</summary>
    public static string CanonicalQuery(string query)
    {
        var q = query.StartsWith('?') ? query[1..] : query;
        if (q.Length == 0) return string.Empty;
        var pairs = new List<(string Name, string Value)>();
        foreach (var part in q.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=');
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? string.Empty : part[(eq + 1)..];
            pairs.Add((UriEncode(Uri.UnescapeDataString(name)), UriEncode(Uri.UnescapeDataString(value))));
        }
        pairs.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>RFC 3986 encoding as SigV4 wants it: unreserved characters kept, every other UTF-8 byte as <c>%XX</c> (upper case).</summary>
    public static string UriEncode(string value)
    {
        var sb = new StringBuilder(value.Length);
        foreach (var b in Encoding.UTF8.GetBytes(value))
        {
            if (IsUnreserved(b)) sb.Append((char)b);
            else sb.Append('%').Append(HexDigits[b >> NibbleBits]).Append(HexDigits[b & NibbleMask]);
        }
        return sb.ToString();
    }

    /// <summary>The Host header value for a URI: host, plus the port when it is not the scheme's default.</summary>
    public static string HostOf(Uri uri)
    {
        var host = uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost;
        return uri.IsDefaultPort ? host : $"{host}:{uri.Port}";
    }

    private static bool IsUnreserved(byte b)
        => b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~';

    private static void AddHeader(SortedDictionary<string, string> into, string name, string value)
    {
        var key = name.Trim().ToLowerInvariant();
        var canonicalValue = CollapseSpaces(value.Trim());
        into[key] = into.TryGetValue(key, out var existing) ? existing + "," + canonicalValue : canonicalValue;
    }

    private static string CollapseSpaces(string value)
    {
        if (!value.Contains("  ", StringComparison.Ordinal)) return value;
        var sb = new StringBuilder(value.Length);
        var previousSpace = false;
        foreach (var c in value)
        {
            if (c == ' ' && previousSpace) continue;
            sb.Append(c);
            previousSpace = c == ' ';
        }
        return sb.ToString();
    }
}
