namespace OpenTracy.Providers;

/// <summary>
/// Reads provider endpoints and keys from environment variables (<c>&lt;PROVIDER&gt;_API_KEY</c>,
/// <c>&lt;PROVIDER&gt;_BASE_URL</c>, Azure and AWS variables). The lookup is injectable for tests.
/// </summary>
public sealed class ProviderEnvironment
{
    public const string DefaultAzureApiVersion = "2024-10-21";
    public const string DefaultAwsRegion = "us-east-1";

    private readonly Func<string, string?> _lookup;

    public ProviderEnvironment(Func<string, string?>? lookup = null) => _lookup = lookup ?? Environment.GetEnvironmentVariable;

    public static ProviderEnvironment Process { get; } = new();

    public string? Get(string name)
    {
        var v = _lookup(name);
        return string.IsNullOrEmpty(v) ? null : v;
    }

    public string AzureApiVersion => Get("AZURE_OPENAI_API_VERSION") ?? DefaultAzureApiVersion;

    public string AwsRegion => Get("AWS_REGION") ?? Get("AWS_DEFAULT_REGION") ?? DefaultAwsRegion;

    /// <summary>The base URL: override variable, else the public default; Bedrock derives it from the region. Empty when unknown (azure without endpoint).</summary>
    public string BaseUrl(ProviderInfo provider)
    {
        var fromEnv = Get(provider.BaseUrlEnvVar);
        if (fromEnv is not null) return fromEnv.TrimEnd('/');
        if (provider.Format == WireFormat.Bedrock) return BedrockRuntimeUrl(AwsRegion);
        return provider.DefaultBaseUrl;
    }

    /// <summary>The public Bedrock runtime endpoint of a region.</summary>
    public static string BedrockRuntimeUrl(string region) => $"https://bedrock-runtime.{region}.amazonaws.com";

    /// <summary>Credentials from the environment (may be <see cref="ProviderCredentials.None"/>).</summary>
    public ProviderCredentials Credentials(ProviderInfo provider)
    {
        if (provider.Format == WireFormat.Bedrock)
        {
            var id = Get("AWS_ACCESS_KEY_ID");
            var secret = Get("AWS_SECRET_ACCESS_KEY");
            if (id is null || secret is null) return ProviderCredentials.None;
            return new ProviderCredentials(null, new AwsCredentials(id, new Secret(secret), AwsRegion, Secret.FromNullable(Get("AWS_SESSION_TOKEN"))));
        }
        return new ProviderCredentials(Secret.FromNullable(Get(provider.KeyEnvVar)));
    }

    /// <summary>Endpoint for a provider with an optional explicit base URL and key.</summary>
    public ProviderEndpoint Endpoint(ProviderInfo provider, string? apiBase = null, string? apiKey = null)
    {
        var baseUrl = string.IsNullOrEmpty(apiBase) ? BaseUrl(provider) : apiBase.TrimEnd('/');
        var creds = apiKey is { Length: > 0 }
            ? (provider.Format == WireFormat.Bedrock ? ParseBedrockKey(apiKey) : new ProviderCredentials(new Secret(apiKey)))
            : Credentials(provider);
        // A Bedrock key that names its own region (ACCESS:SECRET:REGION) is signed for that region, so it must be sent there too.
        if (provider.Format == WireFormat.Bedrock && string.IsNullOrEmpty(apiBase) && Get(provider.BaseUrlEnvVar) is null && creds.Aws is { } aws)
            baseUrl = BedrockRuntimeUrl(aws.Region);
        return new ProviderEndpoint(provider, baseUrl, creds);
    }

    /// <summary>Bedrock key string <c>ACCESS:SECRET[:REGION]</c>; anything else yields no credentials.</summary>
    public ProviderCredentials ParseBedrockKey(string key)
    {
        var parts = key.Split(':', 3);
        if (parts.Length < 2 || parts[0].Length == 0 || parts[1].Length == 0) return ProviderCredentials.None;
        var region = parts.Length == 3 && parts[2].Length > 0 ? parts[2] : AwsRegion;
        return new ProviderCredentials(null, new AwsCredentials(parts[0], new Secret(parts[1]), region));
    }
}
