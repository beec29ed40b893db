using Akka.Configuration;
using OpenTracy.Engine.Configuration;
using OpenTracy.Engine.Tests.Support;

namespace OpenTracy.Engine.Tests.Configuration;

public sealed class SettingsTests
{
    private static OpenTracySettings Defaults()
        => OpenTracySettings.FromConfig(NodeConfig.Load(TestEngine.HoconDirectory, [], _ => null));

    [Fact]
    public void Defaults_come_from_opentracy_conf()
    {
        var s = Defaults();

        Assert.Equal(8080, s.Http.Port);
        Assert.Equal(10L * 1024 * 1024, s.Http.MaxRequestBodyBytes);
        Assert.Empty(s.Http.GatewayKeys);
        Assert.Equal(TimeSpan.FromSeconds(120), s.Upstream.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), s.Upstream.BackoffBase);
        Assert.Equal(TimeSpan.FromSeconds(30), s.Upstream.BackoffMax);
        Assert.Equal(TimeSpan.FromSeconds(60), s.Upstream.RetryAfterMax);
        Assert.Equal(0, s.Upstream.DefaultNumRetries);
        Assert.Equal(16, s.Streaming.Buffer);
        Assert.Empty(s.ModelGroups);
    }

    [Fact]
    public void Backoff_doubles_from_the_base_up_to_the_cap()
    {
        var u = Defaults().Upstream;

        Assert.Equal([500, 1000, 2000, 4000], Enumerable.Range(0, 4).Select(i => u.Backoff(i).TotalMilliseconds));
        Assert.Equal(TimeSpan.FromSeconds(30), u.Backoff(20));
        Assert.Equal(TimeSpan.FromSeconds(30), u.Backoff(1000));
    }

    [Fact]
    public void Environment_variables_override_every_file()
    {
        var extra = Path.GetTempFileName();
        File.WriteAllText(extra, "opentracy.http.port = 7000\nakka.remote.dot-netty.tcp.port = 7001\nopentracy.upstream.timeout = 5s");
        var env = new Dictionary<string, string?>
        {
            [NodeConfig.HttpPortVar] = "0",
            [NodeConfig.AkkaPortVar] = "0",
            [NodeConfig.AkkaHostnameVar] = "10.1.2.3",
            [NodeConfig.SeedNodesVar] = "akka.tcp://opentracy@10.1.2.3:4053, akka.tcp://opentracy@10.1.2.4:4053",
            [NodeConfig.GatewayKeysVar] = "k1,k2",
        };
        try
        {
            var config = NodeConfig.Load(TestEngine.HoconDirectory, [extra], n => env.GetValueOrDefault(n));
            var settings = OpenTracySettings.FromConfig(config);

            Assert.Equal(0, settings.Http.Port);
            Assert.Equal(TimeSpan.FromSeconds(5), settings.Upstream.Timeout); // from the extra file
            Assert.Equal(0, config.GetInt("akka.remote.dot-netty.tcp.port"));
            Assert.Equal("10.1.2.3", config.GetString("akka.remote.dot-netty.tcp.hostname"));
            Assert.Equal(["akka.tcp://opentracy@10.1.2.3:4053", "akka.tcp://opentracy@10.1.2.4:4053"], config.GetStringList("akka.cluster.seed-nodes"));
            Assert.Equal(2, settings.Http.GatewayKeys.Count);
            Assert.True(settings.Http.GatewayKeys[1].Matches("k2"));
        }
        finally
        {
            File.Delete(extra);
        }
    }

    [Fact]
    public void Bad_port_in_the_environment_is_refused()
        => Assert.Throws<ConfigurationException>(() => NodeConfig.FromEnvironment(n => n == NodeConfig.HttpPortVar ? "eighty" : null));

    [Fact]
    public void Model_groups_are_read_with_their_deployments()
    {
        var config = ConfigurationFactory.ParseString("""
            opentracy.model-groups {
              fast {
                strategy = least-cost
                num-retries = 1
                deployments = [
                  { model = "openai/gpt-4o-mini", api-key-env = "K2", api-base = "http://x/v1", weight = 2.5, rpm = 60 }
                  { model = "groq/llama" }
                ]
                fallbacks = [ "anthropic/claude-3-5-haiku" ]
              }
            }
            """).WithFallback(TestEngine.Config());

        var g = OpenTracySettings.FromConfig(config).ModelGroups["fast"];

        Assert.Equal(OpenTracy.Balancing.BalancingStrategy.LeastCost, g.Strategy);
        Assert.Equal(1, g.NumRetries);
        Assert.Equal(new DeploymentSettings("openai/gpt-4o-mini", "K2", "http://x/v1", 2.5, 60), g.Deployments[0]);
        Assert.Equal(new DeploymentSettings("groq/llama", null, null, 1.0, 0), g.Deployments[1]);
        Assert.Equal(["anthropic/claude-3-5-haiku"], g.Fallbacks);
    }

    [Theory]
    [InlineData("opentracy.model-groups.g { strategy = fastest, deployments = [ { model = \"openai/a\" } ] }")]
    [InlineData("opentracy.model-groups.g { deployments = [] }")]
    [InlineData("opentracy.streaming.buffer = 3")]
    public void Invalid_settings_are_refused(string hocon)
        => Assert.Throws<ConfigurationException>(() => TestEngine.Settings(hocon));

    [Fact]
    public void Settings_printout_never_shows_gateway_keys()
    {
        var settings = TestEngine.Settings("opentracy.http.gateway-keys = [\"super-secret-key\"]");

        Assert.DoesNotContain("super-secret-key", settings.Http.ToString());
        Assert.DoesNotContain("super-secret-key", settings.ToString());
    }
}
