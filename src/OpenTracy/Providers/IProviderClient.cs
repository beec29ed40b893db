using OpenTracy.Wire;

namespace OpenTracy.Providers;

/// <summary>
/// One provider wire format. Implementations are stateless and thread-safe; every failure surfaces
/// as a <see cref="ProviderException"/>; cancellation aborts the upstream HTTP call.
/// </summary>
public interface IProviderClient
{
    Task<ModelResponse> CompleteAsync(ProviderRequest request, CancellationToken cancellationToken);

    /// <summary>OpenAI-shaped chunks; translated formats end after their final chunk (no [DONE] marker object).</summary>
    IAsyncEnumerable<StreamChunk> StreamAsync(ProviderRequest request, CancellationToken cancellationToken);
}

/// <summary>Where and how to call: the resolved provider, its base URL and credentials.</summary>
public sealed record ProviderEndpoint(ProviderInfo Provider, string BaseUrl, ProviderCredentials Credentials)
{
    public override string ToString() => $"{Provider.Name} @ {BaseUrl}";
}

/// <summary>Credentials for one provider. Values are <see cref="Secret"/>s and never print.</summary>
public sealed record ProviderCredentials(Secret? ApiKey, AwsCredentials? Aws = null)
{
    public static readonly ProviderCredentials None = new((Secret?)null);

    public bool IsPresent => ApiKey is not null || Aws is not null;

    /// <summary>Short one-way identity of the credential (for limiter entity ids, metrics labels).</summary>
    public string Fingerprint => Aws is not null ? Aws.SecretAccessKey.Fingerprint : ApiKey?.Fingerprint ?? "nokey";
}

/// <summary>AWS credentials for Bedrock. The access key id is an identifier (it appears in signed headers); the secret never prints.</summary>
public sealed record AwsCredentials(string AccessKeyId, Secret SecretAccessKey, string Region, Secret? SessionToken = null)
{
    public override string ToString() => $"AwsCredentials(region={Region})";
}

/// <summary>One upstream call: the endpoint, the bare model name and the request body.</summary>
public sealed record ProviderRequest(ProviderEndpoint Endpoint, string Model, ChatRequest Body, TimeSpan Timeout)
{
    public string ProviderName => Endpoint.Provider.Name;
}
