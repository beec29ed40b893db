using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace OpenTracy.MockProvider;

/// <summary>Checks AWS Signature Version 4 on Bedrock requests.</summary>
internal static class SigV4
{
    public const string Algorithm = "AWS4-HMAC-SHA256";

    internal readonly record struct Failure(string ErrorType, string Message);

    /// <summary>Checks presence and shape of the SigV4 headers and the body hash; with a secret, recomputes the signature.</summary>
    public static Failure? Check(HttpRequest request, string rawPath, string rawQuery, byte[] body, string? secret)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith(Algorithm + " Credential=", StringComparison.Ordinal))
        {
            return new Failure("UnrecognizedClientException",
                authorization.Length == 0 ? "Missing Authentication Token" : "Authorization header requires 'AWS4-HMAC-SHA256 Credential=' (SigV4).");
        }
        var amzDate = request.Headers["x-amz-date"].ToString();
        if (amzDate.Length == 0)
        {
            return new Failure("UnrecognizedClientException", "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
        }
        var contentSha = request.Headers["x-amz-content-sha256"].ToString();
        if (contentSha.Length == 0)
        {
            return new Failure("UnrecognizedClientException", "Missing required header 'x-amz-content-sha256'.");
        }
        var bodyHash = Convert.ToHexStringLower(SHA256.HashData(body));
        if (!string.Equals(contentSha, bodyHash, StringComparison.OrdinalIgnoreCase))
        {
            return new Failure("InvalidSignatureException", "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }

        if (!TryParseAuthorization(authorization, out var credential, out var signedHeaders, out var signature))
        {
            return new Failure("IncompleteSignatureException",
                "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters.");
        }
        var scopeParts = credential.Split('/');
        if (scopeParts.Length != 5 || scopeParts[4] != "aws4_request")
        {
            return new Failure("IncompleteSignatureException", "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.");
        }
        if (scopeParts[3] != "bedrock")
        {
            return new Failure("InvalidSignatureException", "Credential should be scoped to correct service: 'bedrock'.");
        }
        if (secret is null)
        {
            return null;
        }

        var date = scopeParts[1];
        var region = scopeParts[2];
        var canonical = CanonicalRequest(request, rawPath, rawQuery, signedHeaders, contentSha);
        var scope = $"{date}/{region}/bedrock/aws4_request";
        var stringToSign = $"{Algorithm}\n{amzDate}\n{scope}\n{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var key = Hmac(Encoding.UTF8.GetBytes("AWS4" + secret), date);
        key = Hmac(key, region);
        key = Hmac(key, "bedrock");
        key = Hmac(key, "aws4_request");
        var expected = Convert.ToHexStringLower(Hmac(key, stringToSign));
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(signature.ToLowerInvariant())))
        {
            return new Failure("InvalidSignatureException",
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
        }
        return null;
    }

    private static bool TryParseAuthorization(string authorization, out string credential, out string[] signedHeaders, out string signature)
    {
        credential = "";
        signedHeaders = [];
        signature = "";
        foreach (var part in authorization[Algorithm.Length..].Split(','))
        {
            var p = part.Trim();
            var eq = p.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }
            var name = p[..eq];
            var value = p[(eq + 1)..].Trim();
            switch (name)
            {
                case "Credential":
                    credential = value;
                    break;
                case "SignedHeaders":
                    signedHeaders = value.Split(';', StringSplitOptions.RemoveEmptyEntries);
                    break;
                case "Signature":
                    signature = value;
                    break;
            }
        }
        return credential.Length > 0 && signedHeaders.Length > 0 && signature.Length > 0;
    }

    internal static string CanonicalRequest(HttpRequest request, string rawPath, string rawQuery, string[] signedHeaders, string payloadHash)
    {
        var sb = new StringBuilder(512);
        sb.Append(request.Method).Append('\n');
        sb.Append(CanonicalUri(rawPath)).Append('\n');
        sb.Append(CanonicalQuery(rawQuery)).Append('\n');
        var names = signedHeaders.Select(h => h.Trim().ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();
        foreach (var name in names)
        {
            var value = name == "host" ? request.Headers.Host.ToString() : string.Join(',', request.Headers[name].Select(v => v ?? ""));
            sb.Append(name).Append(':').Append(CollapseSpaces(value)).Append('\n');
        }
        sb.Append('\n');
        sb.Append(string.Join(';', names)).Append('\n');
        sb.Append(payloadHash);
        return sb.ToString();
    }

    /// <summary>Non-S3 rule: every segment of the path as sent is URI-encoded once more (so %3A becomes %253A).</summary>
    internal static string CanonicalUri(string rawPath)
    {
        if (rawPath.Length == 0)
        {
            return "/";
        }
        var segments = rawPath.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            segments[i] = UriEncode(segments[i]);
        }
        return string.Join('/', segments);
    }

    internal static string CanonicalQuery(string rawQuery)
    {
        if (rawQuery.Length == 0)
        {
            return "";
        }
        var pairs = new List<(string Key, string Value)>();
        foreach (var item in rawQuery.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = item.IndexOf('=');
            var k = eq < 0 ? item : item[..eq];
            var v = eq < 0 ? "" : item[(eq + 1)..];
            pairs.Add((UriEncode(Unescape(k)), UriEncode(Unescape(v))));
        }
        pairs.Sort((a, b) =>
        {
            var c = string.CompareOrdinal(a.Key, b.Key);
            return c != 0 ? c : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => p.Key + "=" + p.Value));
    }

    private static string Unescape(string s)
    {
        try
        {
            return Uri.UnescapeDataString(s.Replace('+', ' '));
        }
        catch (UriFormatException)
        {
            return s;
        }
    }

    /// <summary>RFC 3986 encoding: unreserved characters kept, every other UTF-8 byte as %XX (upper-case hex).</summary>
    internal static string UriEncode(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.' or '~')
            {
                sb.Append(c);
                continue;
            }
            int count;
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                count = Encoding.UTF8.GetBytes(value.AsSpan(i, 2), utf8);
                i++;
            }
            else
            {
                count = Encoding.UTF8.GetBytes(value.AsSpan(i, 1), utf8);
            }
            for (var b = 0; b < count; b++)
            {
                sb.Append('%').Append(utf8[b].ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return sb.ToString();
    }

    private static string CollapseSpaces(string value)
    {
        var trimmed = value.Trim();
        if (!trimmed.Contains("  ", StringComparison.Ordinal))
        {
            return trimmed;
        }
        var sb = new StringBuilder(trimmed.Length);
        var lastSpace = false;
        foreach (var c in trimmed)
        {
            if (c == ' ')
            {
                if (!lastSpace)
                {
                    sb.Append(c);
                }
                lastSpace = true;
            }
            else
            {
                sb.Append(c);
                lastSpace = false;
            }
        }
        return sb.ToString();
    }

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));
}
