namespace OpenTracy.Providers;

/// <summary>How a provider's requests and responses are shaped on the wire.</summary>
public enum WireFormat
{
    /// <summary>OpenAI chat completions (most providers, incl. Gemini's and Cohere's compatibility layers).</summary>
    OpenAI,
    /// <summary>Azure OpenAI deployments: OpenAI bodies, deployment URL, <c>api-key</c> header.</summary>
    Azure,
    /// <summary>Anthropic Messages API.</summary>
    Anthropic,
    /// <summary>Amazon Bedrock Converse / ConverseStream with SigV4.</summary>
    Bedrock,
}

/// <summary>How the credential is presented.</summary>
public enum AuthStyle
{
    Bearer,
    ApiKeyHeader,
    XApiKey,
    SigV4,
}

/// <summary>A provider as the catalog knows it.</summary>
/// <param name="Name">Registry name, the part before the slash in <c>provider/model</c>.</param>
/// <param name="DefaultBaseUrl">Public base URL; empty when it comes from the environment (azure, bedrock).</param>
/// <param name="KeyEnvVar">Environment variable holding the key (Bedrock: the access key id).</param>
/// <param name="BaseUrlEnvVar">Environment variable overriding the base URL.</param>
public sealed record ProviderInfo(
    string Name,
    string DefaultBaseUrl,
    string KeyEnvVar,
    string BaseUrlEnvVar,
    WireFormat Format,
    AuthStyle Auth);
