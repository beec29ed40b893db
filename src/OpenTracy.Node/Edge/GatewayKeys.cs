using System.Security.Cryptography;
using System.Text;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Errors;

namespace OpenTracy.Node.Edge;

/// <summary>
/// Optional gateway keys (<c>opentracy.http.gateway-keys</c> / <c>OPENTRACY_GATEWAY_KEYS</c>): when
/// any are configured, <c>/v1/*</c> needs <c>Authorization: Bearer &lt;key&gt;</c>; otherwise the gateway is open.
/// The presented key is hashed once (SHA-256) and compared with every configured key's hash in
/// constant time, all of them every time, so neither the length nor the content of a near miss nor
/// which key matched shows in the timing. Keys are held only as <see cref="Secret"/>s and hashes.
/// </summary>
public sealed class GatewayKeys
{
    private const string BearerPrefix = "Bearer ";
    private const int HashBytes = 32;
    private const int StackLimitBytes = 512;

    private readonly byte[][] _hashes;

    public GatewayKeys(HttpSettings settings)
    {
        _hashes = [.. settings.GatewayKeys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k.Reveal())))];
    }

    public bool Enabled => _hashes.Length > 0;

    public bool Accepts(HttpRequest request)
    {
        if (!Enabled) return true;
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase)) return false;
        var presented = header.AsSpan(BearerPrefix.Length).Trim();
        if (presented.IsEmpty) return false;
        return Matches(presented);
    }

    private bool Matches(ReadOnlySpan<char> presented)
    {
        var byteCount = Encoding.UTF8.GetByteCount(presented);
        var bytes = byteCount <= StackLimitBytes ? stackalloc byte[byteCount] : new byte[byteCount];
        Encoding.UTF8.GetBytes(presented, bytes);
        Span<byte> hash = stackalloc byte[HashBytes];
        SHA256.HashData(bytes, hash);
        var ok = false;
        foreach (var expected in _hashes) ok |= CryptographicOperations.FixedTimeEquals(expected, hash);
        return ok;
    }

    /// <summary>Middleware: refuses <c>/v1/*</c> without an accepted key (401, OpenAI error object).</summary>
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (!context.Request.Path.StartsWithSegments("/v1") || Accepts(context.Request))
        {
            await next(context);
            return;
        }
        await EdgeResponses.WriteErrorAsync(context.Response, EngineError.Unauthorized());
    }
}
