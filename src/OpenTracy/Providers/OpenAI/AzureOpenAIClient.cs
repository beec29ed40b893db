namespace OpenTracy.Providers.OpenAI;

/// <summary>
/// Azure OpenAI (<see cref="WireFormat.Azure"/>): the OpenAI wire format addressed to a deployment,
/// <c>POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version={version}</c>,
/// authenticated with the <c>api-key</c> header (never <c>Authorization</c>). The deployment is the
/// bare model name (<c>azure/my-gpt5</c> → <c>my-gpt5</c>) and is also the body's <c>model</c>; the
/// endpoint is the request's base URL (<c>AZURE_OPENAI_ENDPOINT</c>), the version
/// <c>AZURE_OPENAI_API_VERSION</c> (default <see cref="ProviderEnvironment.DefaultAzureApiVersion"/>).
/// </summary>
public sealed class AzureOpenAIClient(HttpClient http, ProviderEnvironment? environment = null) : OpenAICompatibleClient(http, environment)
{
    public const string ApiKeyHeader = "api-key";
    public const string DeploymentsPath = "/openai/deployments/";
    public const string ApiVersionQuery = "api-version";

    protected override Uri RequestUri(ProviderRequest request)
    {
        var endpoint = RequireBaseUrl(request, $"endpoint not configured ({request.Endpoint.Provider.BaseUrlEnvVar})");
        if (string.IsNullOrEmpty(request.Model)) throw Configuration(request, "model (deployment name) is required");
        var url = string.Concat(endpoint, DeploymentsPath, Uri.EscapeDataString(request.Model), ChatCompletionsPath,
            "?", ApiVersionQuery, "=", Uri.EscapeDataString(Environment.AzureApiVersion));
        return ParseUri(request, url);
    }

    protected override void Authenticate(HttpRequestMessage message, Secret key)
        => message.Headers.TryAddWithoutValidation(ApiKeyHeader, key.Reveal());
}
