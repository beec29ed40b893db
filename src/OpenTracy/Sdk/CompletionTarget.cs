using OpenTracy.Models;
using OpenTracy.Providers;

namespace OpenTracy.Sdk;

/// <summary>Where one attempt goes, decided by <see cref="TargetResolver"/>.</summary>
internal abstract record CompletionTarget
{
    /// <summary>The model string as parsed (for <c>_provider</c> and error texts).</summary>
    public required ModelRef Ref { get; init; }
}

/// <summary>Straight to a provider with its own wire format; <see cref="Model"/> is what the upstream body carries.</summary>
internal sealed record DirectTarget(ProviderEndpoint Endpoint, string Model) : CompletionTarget;

/// <summary>Through the OpenTracy engine: <c>{BaseUrl}/chat/completions</c> with the full model string.</summary>
internal sealed record EngineTarget(string BaseUrl, Secret Key, string Model) : CompletionTarget;

/// <summary>
/// Reference §1.1 target resolution: <c>force_engine</c> &gt; <c>force_direct</c> &gt; <c>api_base</c>
/// &gt; <c>OPENTRACY_ENGINE_URL</c> &gt; direct to the provider, with the reference's error texts.
/// </summary>
internal sealed class TargetResolver(ProviderEnvironment environment, string? engineUrl)
{
    /// <summary>The engine the reference assumes when <c>force_engine</c> is used without <c>OPENTRACY_ENGINE_URL</c>.</summary>
    public const string DefaultEngineUrl = "http://localhost:8080";

    /// <summary>The key sent when none is configured (the reference's literal).</summary>
    public const string NoKey = "none";

    private const string EnginePath = "/v1";
    private const string CustomProviderName = "openai-compatible";

    /// <summary>The engine URL from the environment when the client was built, or null (engine routing is opt-in).</summary>
    public string? EngineUrl { get; } = engineUrl?.TrimEnd('/');

    private string EffectiveEngineUrl => EngineUrl ?? DefaultEngineUrl;

    public CompletionTarget Resolve(string model, CompletionOptions options)
    {
        var r = ModelRef.Parse(model);
        var apiBase = string.IsNullOrEmpty(options.ApiBase) ? null : options.ApiBase.TrimEnd('/');

        if (options.ForceEngine) return Engine(EffectiveEngineUrl + EnginePath, options, r);

        if (options.ForceDirect)
        {
            var provider = ProviderCatalog.Find(r.Provider);
            if (provider is null)
            {
                if (apiBase is null) throw Config(OpenTracyErrors.UnknownProvider(r.Provider));
                return Custom(r, apiBase, options.ApiKey);
            }
            var baseUrl = apiBase ?? environment.BaseUrl(provider);
            if (baseUrl.Length == 0) throw Config(OpenTracyErrors.UnknownProvider(r.Provider));
            // force_direct: the key may be missing; the provider will answer 401.
            return new DirectTarget(environment.Endpoint(provider, baseUrl, options.ApiKey), r.Model) { Ref = r };
        }

        if (apiBase is not null)
        {
            // The reference sends the full model string when the explicit base is the engine's.
            if (apiBase.StartsWith(EffectiveEngineUrl, StringComparison.Ordinal)) return Engine(apiBase, options, r);
            var provider = ProviderCatalog.Find(r.Provider);
            if (provider is null) return Custom(r, apiBase, options.ApiKey);
            return new DirectTarget(ExplicitBaseEndpoint(provider, apiBase, options.ApiKey), r.Model) { Ref = r };
        }

        if (EngineUrl is not null) return Engine(EngineUrl + EnginePath, options, r);

        if (!r.HasProvider) throw Config(OpenTracyErrors.CannotResolve(r.Model));

        if (r.Provider == ProviderCatalog.Azure.Name)
        {
            var endpoint = environment.BaseUrl(ProviderCatalog.Azure);
            if (endpoint.Length == 0) throw Config(OpenTracyErrors.AzureEndpointMissing);
            var azure = environment.Endpoint(ProviderCatalog.Azure, endpoint, options.ApiKey);
            if (!azure.Credentials.IsPresent) throw Config(OpenTracyErrors.AzureKeyMissing);
            return new DirectTarget(azure, r.Model) { Ref = r };
        }

        var known = ProviderCatalog.Find(r.Provider) ?? throw Config(OpenTracyErrors.UnknownProvider(r.Provider));
        var knownBase = environment.BaseUrl(known);
        if (knownBase.Length == 0) throw Config(OpenTracyErrors.UnknownProvider(r.Provider));
        var ep = environment.Endpoint(known, knownBase, options.ApiKey);
        if (!ep.Credentials.IsPresent) throw Config(OpenTracyErrors.NoApiKey(known.Name, known.KeyEnvVar));
        return new DirectTarget(ep, r.Model) { Ref = r };
    }

    /// <summary>
    /// Explicit <c>api_base</c>: the key is <c>api_key</c> or the literal "none" — the provider's
    /// environment key is never sent to a caller-chosen host. Bedrock signs instead of sending its
    /// secret, so it may still use the AWS credentials from the environment.
    /// </summary>
    private ProviderEndpoint ExplicitBaseEndpoint(ProviderInfo provider, string apiBase, string? apiKey)
    {
        if (provider.Format == WireFormat.Bedrock) return environment.Endpoint(provider, apiBase, apiKey);
        return new ProviderEndpoint(provider, apiBase, new ProviderCredentials(new Secret(string.IsNullOrEmpty(apiKey) ? NoKey : apiKey)));
    }

    /// <summary>
    /// An OpenAI-compatible server at an explicit base (vLLM, a proxy, ...). When the part before the
    /// slash is not a known provider the whole string is the model name (<c>meta-llama/Llama-3.3-70B</c>).
    /// </summary>
    private static DirectTarget Custom(ModelRef r, string apiBase, string? apiKey)
    {
        var info = new ProviderInfo(r.HasProvider ? r.Provider : CustomProviderName, apiBase, "", "", WireFormat.OpenAI, AuthStyle.Bearer);
        var key = new Secret(string.IsNullOrEmpty(apiKey) ? NoKey : apiKey);
        return new DirectTarget(new ProviderEndpoint(info, apiBase, new ProviderCredentials(key)), r.Original) { Ref = r };
    }

    /// <summary>Engine: key = api_key, else OPENTRACY_API_KEY (legacy LUNAR_API_KEY), else "none"; full model string.</summary>
    private EngineTarget Engine(string baseUrl, CompletionOptions options, ModelRef r)
    {
        var key = !string.IsNullOrEmpty(options.ApiKey) ? options.ApiKey
            : environment.Get(SdkEnvironment.ApiKeyVar) ?? environment.Get(SdkEnvironment.LegacyApiKeyVar) ?? NoKey;
        return new EngineTarget(baseUrl, new Secret(key), r.Original) { Ref = r };
    }

    private static CompletionConfigurationException Config(string message) => new(message);
}

/// <summary>The SDK's own environment variables.</summary>
public static class SdkEnvironment
{
    /// <summary>Engine base URL; when set, calls go through the engine (read when a client is constructed).</summary>
    public const string EngineUrlVar = "OPENTRACY_ENGINE_URL";
    public const string LegacyEngineUrlVar = "LUNAR_ENGINE_URL";

    /// <summary>Bearer key sent to the engine when no api_key is given.</summary>
    public const string ApiKeyVar = "OPENTRACY_API_KEY";
    public const string LegacyApiKeyVar = "LUNAR_API_KEY";

    public static string? EngineUrl(ProviderEnvironment environment)
        => environment.Get(EngineUrlVar) ?? environment.Get(LegacyEngineUrlVar);
}
