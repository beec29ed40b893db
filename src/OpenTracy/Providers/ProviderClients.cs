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
            [WireFormat.OpenAI] = new OpenAI.OpenAICompatibleClient(http, Environment),
            [WireFormat.Azure] = new OpenAI.AzureOpenAIClient(http, Environment),
            [WireFormat.Anthropic] = new Anthropic.AnthropicClient(http),
            [WireFormat.Bedrock] = new Bedrock.BedrockClient(http),
        };
    }

    public HttpClient Http { get; }
    public ProviderEnvironment Environment { get; }

    public IProviderClient For(ProviderInfo provider) => For(provider.Format);

    public IProviderClient For(WireFormat format)
        => _byFormat.TryGetValue(format, out var c) ? c : throw new NotSupportedException($"no client for wire format {format}");

    /// <summary>Default lifetime of a pooled upstream connection (DNS changes are picked up after it).</summary>
    public static readonly TimeSpan DefaultPooledConnectionLifetime = TimeSpan.FromMinutes(5);

    /// <summary>An HttpClient tuned for upstream calls: pooled connections, no client-wide timeout (each call carries its own).</summary>
    public static HttpClient CreateHttpClient(TimeSpan? pooledConnectionLifetime = null) => new(CreateHandler(pooledConnectionLifetime))
    {
        Timeout = System.Threading.Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// The handler behind <see cref="CreateHttpClient"/>. <c>MaxResponseDrainSize = 0</c>: a response
    /// disposed before its end (caller cancelled, stream abandoned) closes its connection instead of
    /// reading the rest to reuse it — otherwise the provider would keep generating (and billing) an
    /// answer nobody reads, and would never see the cancellation. Clients that finish a body normally
    /// read it to its end, so their connections are reused.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(TimeSpan? pooledConnectionLifetime = null) => new()
    {
        PooledConnectionLifetime = pooledConnectionLifetime ?? DefaultPooledConnectionLifetime,
        AutomaticDecompression = System.Net.DecompressionMethods.All,
        EnableMultipleHttp2Connections = true,
        MaxResponseDrainSize = 0,
    };
}
