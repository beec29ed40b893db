using OpenTracy.Models;
using OpenTracy.Providers;
using OpenTracy.Sdk;
using static OpenTracy.Tests.Sdk.SdkTestKit;

namespace OpenTracy.Tests.Sdk;

/// <summary>Reference §1.1: force_engine &gt; force_direct &gt; api_base &gt; OPENTRACY_ENGINE_URL &gt; direct, with the seed's errors.</summary>
public class TargetResolutionTests
{
    private const string Engine = "http://engine.test:8080";

    private static TargetResolver Resolver(ProviderEnvironment env) => new(env, SdkEnvironment.EngineUrl(env));

    private static CompletionTarget Resolve(string model, CompletionOptions? options = null, ProviderEnvironment? env = null)
        => Resolver(env ?? KeyedEnv()).Resolve(model, options ?? new CompletionOptions());

    private static string Error(string model, CompletionOptions? options = null, ProviderEnvironment? env = null)
        => Assert.Throws<CompletionConfigurationException>(() => Resolve(model, options, env)).Message;

    [Theory]
    [InlineData("gpt-4o", "openai", "gpt-4o")]
    [InlineData("o3-mini", "openai", "o3-mini")]
    [InlineData("claude-sonnet-4-6", "anthropic", "claude-sonnet-4-6")]
    [InlineData("llama-3.3-70b-versatile", "groq", "llama-3.3-70b-versatile")]
    [InlineData("mistral-large-latest", "mistral", "mistral-large-latest")]
    [InlineData("deepseek-chat", "deepseek", "deepseek-chat")]
    [InlineData("openai/gpt-4o", "openai", "gpt-4o")]
    [InlineData("together/meta-llama/Llama-3.3-70B-Instruct-Turbo", "together", "meta-llama/Llama-3.3-70B-Instruct-Turbo")]
    public void Bare_and_prefixed_names_resolve_to_the_provider_with_the_bare_model(string model, string provider, string bare)
    {
        var env = KeyedEnv(("TOGETHER_API_KEY", "tk"));
        var target = Assert.IsType<DirectTarget>(Resolve(model, env: env));
        Assert.Equal(provider, target.Endpoint.Provider.Name);
        Assert.Equal(bare, target.Model);
        Assert.Equal(env.BaseUrl(target.Endpoint.Provider), target.Endpoint.BaseUrl);
    }

    [Fact]
    public void Direct_mode_uses_the_environment_key_and_an_explicit_key_wins()
    {
        var fromEnv = Assert.IsType<DirectTarget>(Resolve("openai/gpt-4o"));
        Assert.Equal("sk-test", fromEnv.Endpoint.Credentials.ApiKey!.Reveal());
        var explicitKey = Assert.IsType<DirectTarget>(Resolve("openai/gpt-4o", new CompletionOptions { ApiKey = "sk-explicit" }));
        Assert.Equal("sk-explicit", explicitKey.Endpoint.Credentials.ApiKey!.Reveal());
    }

    [Fact]
    public void Force_engine_beats_everything_and_sends_the_full_model_string()
    {
        var env = KeyedEnv(("OPENTRACY_API_KEY", "otk"));
        var target = Assert.IsType<EngineTarget>(Resolve("openai/gpt-4o",
            new CompletionOptions { ForceEngine = true, ForceDirect = true, ApiBase = "http://ignored.test/v1" }, env));
        Assert.Equal(TargetResolver.DefaultEngineUrl + "/v1", target.BaseUrl);
        Assert.Equal("openai/gpt-4o", target.Model);
        Assert.Equal("otk", target.Key.Reveal());
    }

    [Fact]
    public void Force_engine_uses_the_configured_engine_url_and_none_without_any_key()
    {
        var target = Assert.IsType<EngineTarget>(Resolve("auto", new CompletionOptions { ForceEngine = true }, Env(("OPENTRACY_ENGINE_URL", Engine + "/"))));
        Assert.Equal(Engine + "/v1", target.BaseUrl);
        Assert.Equal("auto", target.Model);
        Assert.Equal("none", target.Key.Reveal());
    }

    [Fact]
    public void Force_direct_beats_api_base_precedence_of_the_engine_and_uses_api_base_when_given()
    {
        var env = KeyedEnv(("OPENTRACY_ENGINE_URL", Engine));
        var direct = Assert.IsType<DirectTarget>(Resolve("openai/gpt-4o", new CompletionOptions { ForceDirect = true }, env));
        Assert.Equal("https://api.openai.com/v1", direct.Endpoint.BaseUrl);
        var withBase = Assert.IsType<DirectTarget>(Resolve("openai/gpt-4o", new CompletionOptions { ForceDirect = true, ApiBase = "http://proxy.test/v1/" }, env));
        Assert.Equal("http://proxy.test/v1", withBase.Endpoint.BaseUrl);
        Assert.Equal("gpt-4o", withBase.Model);
    }

    [Fact]
    public void Force_direct_without_a_key_is_not_an_error()
    {
        var target = Assert.IsType<DirectTarget>(Resolve("groq/llama-3.3-70b", new CompletionOptions { ForceDirect = true }, Env()));
        Assert.False(target.Endpoint.Credentials.IsPresent);
    }

    [Fact]
    public void Api_base_beats_the_engine_url_and_sends_api_key_or_none()
    {
        var env = KeyedEnv(("OPENTRACY_ENGINE_URL", Engine));
        var target = Assert.IsType<DirectTarget>(Resolve("openai/gpt-4o", new CompletionOptions { ApiBase = "http://proxy.test/v1" }, env));
        Assert.Equal("http://proxy.test/v1", target.Endpoint.BaseUrl);
        Assert.Equal("gpt-4o", target.Model);
        // The environment's provider key is never sent to a caller-chosen host.
        Assert.Equal("none", target.Endpoint.Credentials.ApiKey!.Reveal());
    }

    [Fact]
    public void Api_base_with_an_unknown_prefix_is_an_openai_compatible_server_receiving_the_whole_name()
    {
        var target = Assert.IsType<DirectTarget>(Resolve("meta-llama/Llama-3.3-70B", new CompletionOptions { ApiBase = "http://vllm.test/v1", ApiKey = "k" }));
        Assert.Equal(WireFormat.OpenAI, target.Endpoint.Provider.Format);
        Assert.Equal("meta-llama/Llama-3.3-70B", target.Model);
        Assert.Equal("meta-llama", target.Ref.Provider);
    }

    [Fact]
    public void Api_base_pointing_at_the_engine_sends_the_full_model_string()
    {
        var target = Assert.IsType<EngineTarget>(Resolve("openai/gpt-4o", new CompletionOptions { ApiBase = TargetResolver.DefaultEngineUrl + "/v1" }));
        Assert.Equal("openai/gpt-4o", target.Model);
    }

    [Fact]
    public void Engine_url_beats_direct_and_keeps_the_full_model_string()
    {
        var target = Assert.IsType<EngineTarget>(Resolve("anthropic/claude-sonnet-4-6", env: KeyedEnv(("OPENTRACY_ENGINE_URL", Engine))));
        Assert.Equal(Engine + "/v1", target.BaseUrl);
        Assert.Equal("anthropic/claude-sonnet-4-6", target.Model);
    }

    [Fact]
    public void Auto_without_an_engine_cannot_be_resolved()
    {
        Assert.Equal(OpenTracyErrors.CannotResolve("auto"), Error("auto"));
    }

    [Fact]
    public void Cannot_resolve_names_the_model_and_the_three_ways_out()
    {
        var message = Error("my-private-model");
        Assert.Equal("Cannot resolve provider for model 'my-private-model'. Use 'provider/model' format (e.g. 'openai/gpt-4o'), set OPENTRACY_ENGINE_URL to route via the OpenTracy engine, or pass force_engine=True.", message);
        Assert.Contains("provider/model", message);
        Assert.Contains("force_engine", message);
    }

    [Fact]
    public void Missing_key_names_the_variable()
    {
        Assert.Equal("No API key for groq. Set GROQ_API_KEY or pass api_key=", Error("groq/llama-3.3-70b", env: Env()));
        Assert.Equal("No API key for openai. Set OPENAI_API_KEY or pass api_key=", Error("gpt-4o", env: Env()));
    }

    [Fact]
    public void Unknown_provider_prefix_is_reported()
    {
        Assert.Equal("Unknown provider: nosuch", Error("nosuch/model-x"));
        Assert.Equal("Unknown provider: nosuch", Error("nosuch/model-x", new CompletionOptions { ForceDirect = true }));
    }

    [Fact]
    public void Azure_needs_an_endpoint_then_a_key()
    {
        Assert.Equal("Azure OpenAI requires AZURE_OPENAI_ENDPOINT (e.g. https://my-resource.openai.azure.com) or pass api_base=.", Error("azure/my-gpt", env: Env()));
        Assert.Equal("No API key for azure. Set AZURE_OPENAI_API_KEY or pass api_key=.",
            Error("azure/my-gpt", env: Env(("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com"))));
        var ok = Assert.IsType<DirectTarget>(Resolve("azure/my-gpt", env: Env(("AZURE_OPENAI_ENDPOINT", "https://res.openai.azure.com/"), ("AZURE_OPENAI_API_KEY", "az"))));
        Assert.Equal("https://res.openai.azure.com", ok.Endpoint.BaseUrl);
        Assert.Equal("my-gpt", ok.Model);
    }

    [Fact]
    public void Force_direct_azure_without_an_endpoint_is_an_unknown_provider_as_in_the_reference()
    {
        Assert.Equal("Unknown provider: azure", Error("azure/my-gpt", new CompletionOptions { ForceDirect = true }, Env()));
    }

    [Fact]
    public void Bedrock_is_callable_directly_with_aws_credentials_and_names_its_variable_without()
    {
        Assert.Equal("No API key for bedrock. Set AWS_ACCESS_KEY_ID or pass api_key=", Error("bedrock/amazon.nova-lite-v1:0", env: Env()));
        var target = Assert.IsType<DirectTarget>(Resolve("amazon.nova-lite-v1:0",
            env: Env(("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret"), ("AWS_REGION", "eu-west-1"))));
        Assert.Equal("bedrock", target.Endpoint.Provider.Name);
        Assert.Equal("https://bedrock-runtime.eu-west-1.amazonaws.com", target.Endpoint.BaseUrl);
        Assert.Equal("eu-west-1", target.Endpoint.Credentials.Aws!.Region);
    }

    [Fact]
    public void Legacy_engine_variable_is_still_read()
    {
        Assert.IsType<EngineTarget>(Resolve("gpt-4o", env: Env(("LUNAR_ENGINE_URL", Engine))));
    }
}
