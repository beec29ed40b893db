namespace OpenTracy.Models;

/// <summary>The user-facing error texts, word for word as the reference SDK and engine give them (§1, §13.1).</summary>
public static class OpenTracyErrors
{
    public static string CannotResolve(string model) =>
        $"Cannot resolve provider for model '{model}'. Use 'provider/model' format (e.g. 'openai/gpt-4o'), set OPENTRACY_ENGINE_URL to route via the OpenTracy engine, or pass force_engine=True.";

    public const string AzureEndpointMissing =
        "Azure OpenAI requires AZURE_OPENAI_ENDPOINT (e.g. https://my-resource.openai.azure.com) or pass api_base=.";

    public const string AzureKeyMissing = "No API key for azure. Set AZURE_OPENAI_API_KEY or pass api_key=.";

    public static string UnknownProvider(string provider) => $"Unknown provider: {provider}";

    public static string NoApiKey(string provider, string envVar) => $"No API key for {provider}. Set {envVar} or pass api_key=";

    /// <summary>Engine: nothing resolves the model string.</summary>
    public static string NoProviderFound(string model) => $"no provider found for model \"{model}\"";

    /// <summary>Engine: the provider is known but has no endpoint or key configured on this node.</summary>
    public static string ProviderNotConfigured(string provider, string model) => $"provider \"{provider}\" for model \"{model}\" not configured";

    public const string SemanticRoutingUnavailable = "semantic routing not available; specify a model name";
}
