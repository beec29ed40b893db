using OpenTracy.Models;

namespace OpenTracy.Tests.Models;

/// <summary>The texts of reference §1.1 and §1.2 word for word, with LUNAR_ENGINE_URL replaced by OPENTRACY_ENGINE_URL (§13.1).</summary>
public class OpenTracyErrorsTests
{
    private static string FromReference(string text) => text.Replace("LUNAR_ENGINE_URL", "OPENTRACY_ENGINE_URL", StringComparison.Ordinal);

    [Fact]
    public void Cannot_resolve()
    {
        Assert.Equal(
            FromReference("Cannot resolve provider for model 'my-model'. Use 'provider/model' format (e.g. 'openai/gpt-4o'), set LUNAR_ENGINE_URL to route via the OpenTracy engine, or pass force_engine=True."),
            OpenTracyErrors.CannotResolve("my-model"));
        var text = OpenTracyErrors.CannotResolve("x");
        Assert.Contains("provider/model", text);
        Assert.Contains("OPENTRACY_ENGINE_URL", text);
        Assert.Contains("force_engine", text);
        Assert.DoesNotContain("LUNAR", text);
    }

    [Fact]
    public void Azure_endpoint_missing()
    {
        Assert.Equal(
            "Azure OpenAI requires AZURE_OPENAI_ENDPOINT (e.g. https://my-resource.openai.azure.com) or pass api_base=.",
            OpenTracyErrors.AzureEndpointMissing);
    }

    [Fact]
    public void Azure_key_missing()
    {
        Assert.Equal("No API key for azure. Set AZURE_OPENAI_API_KEY or pass api_key=.", OpenTracyErrors.AzureKeyMissing);
    }

    [Fact]
    public void Unknown_provider()
    {
        Assert.Equal("Unknown provider: bedrock", OpenTracyErrors.UnknownProvider("bedrock"));
    }

    [Fact]
    public void No_api_key_has_no_trailing_period()
    {
        Assert.Equal("No API key for groq. Set GROQ_API_KEY or pass api_key=", OpenTracyErrors.NoApiKey("groq", "GROQ_API_KEY"));
    }

    [Fact]
    public void Engine_texts_use_go_quoting()
    {
        Assert.Equal("no provider found for model \"meta-llama/x\"", OpenTracyErrors.NoProviderFound("meta-llama/x"));
        Assert.Equal("provider \"openai\" for model \"openai/gpt-4o\" not configured", OpenTracyErrors.ProviderNotConfigured("openai", "openai/gpt-4o"));
        Assert.Equal("semantic routing not available; specify a model name", OpenTracyErrors.SemanticRoutingUnavailable);
    }
}
