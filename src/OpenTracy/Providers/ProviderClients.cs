namespace OpenTracy.Providers;

/// <summary>
/// The provider client for each wire format, sharing one <see cref="HttpClient"/> (one connection pool).
/// Clients are stateless, so one set serves every request of a process.
/// </summary>
public sealed class ProviderClients
{
    private readonly Dictionary<WireFormat, IProviderClient> _byFormat;

    public ProviderClients(HttpClient http, ProviderEnvironment? environment = null)
    {
        Http = http;
        Environment = environment ?? ProviderEnvironment.Process;
        _byFormat = new Dictionary<WireFormat, IProviderClient>
        {
            // Each wire format registers its client here.
            [WireFormat.Anthropic] = new Anthropic.AnthropicClient(http),
            [WireFormat.Bedrock] = new Bedrock.BedrockClient(http),
        };
    }

    public HttpClient Http { get; }
    public ProviderEnvironment Environment { get; }

    public IProviderClient For(ProviderInfo provider) => For(provider.Format);

    public IProviderClient For(WireFormat format)
        => _byFormat.TryGetValue(format, out var c) ? c : throw new NotSupportedException($"no client for wire format {format}");

    /// <summary>An HttpClient tuned for upstream calls: pooled connections, no client-wide timeout (each call carries its own).</summary>
    public static HttpClient CreateHttpClient(TimeSpan? pooledConnectionLifetime = null) => new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = pooledConnectionLifetime ?? TimeSpan.FromMinutes(5),
        AutomaticDecompression = System.Net.DecompressionMethods.All,
        EnableMultipleHttp2Connections = true,
    })
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };
}
