using Akka.Actor;
using Akka.Configuration;
using Akka.Serialization;
using Akka.TestKit.Xunit2;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Engine.Serialization;
using OpenTracy.Engine.Tests.Support;
using Xunit.Abstractions;

namespace OpenTracy.Engine.Tests.RateLimiting;

/// <summary>The wire messages go through OpenTracySerializer as bound in opentracy.conf.</summary>
public sealed class SerializerTests(ITestOutputHelper output) : TestKit(LimiterSpecConfig.Config, output: output)
{
    public static readonly TheoryData<object> Messages = new()
    {
        new LeasePermits("openai-0123456789ab", 5, new LimitSpec(120, 1000, 20)),
        new PermitsLeased("openai-0123456789ab", 3, 250, 0),
        new ReturnPermits("openai-0123456789ab", 2),
        new ReportTokens("openai-0123456789ab", 42, new LimitSpec(120, 0, 1)),
        new ReportCooldown("openai-0123456789ab", 5000),
        new CooldownStarted("openai-0123456789ab", 4999),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_wire_message_round_trips_through_our_serializer(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<OpenTracySerializer>(serializer);
        var manifest = Assert.IsType<OpenTracySerializer>(serializer).Manifest(message);
        Assert.True(manifest.Length <= 16, $"manifest '{manifest}' should be short");
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.Equal(message, back);
    }

    [Fact]
    public void Every_manifest_is_unique_and_every_listed_type_is_a_wire_message()
    {
        Assert.Equal(MessageManifests.ByManifest.Count, MessageManifests.ByType.Count);
        Assert.All(MessageManifests.ByType.Keys, t => Assert.True(typeof(IOpenTracyMessage).IsAssignableFrom(t), t.Name));
        var wireTypes = typeof(IOpenTracyMessage).Assembly.GetTypes()
            .Where(t => typeof(IOpenTracyMessage).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false });
        Assert.All(wireTypes, t => Assert.True(MessageManifests.ByType.ContainsKey(t), $"{t.Name} has no manifest"));
    }

    [Fact]
    public void A_stats_report_carries_in_flight_gauges_and_one_from_an_older_peer_without_them_reads_as_zero()
    {
        var report = new OpenTracy.Engine.Planning.DeploymentStatsReport("akka.tcp://ot@127.0.0.1:4053", [new OpenTracy.Engine.Planning.DeploymentStatsEntry("group:g#0", 7, 1, 120.5, 3)]);
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerFor(report);
        var back = (OpenTracy.Engine.Planning.DeploymentStatsReport)serializer.FromBinary(serializer.ToBinary(report), serializer.Manifest(report));
        Assert.Equal(report.Entries, back.Entries);

        var older = """{"node":"akka.tcp://ot@127.0.0.1:4054","entries":[{"key":"group:g#0","requests":7,"errors":1,"totalLatencyMs":120.5}]}"""u8.ToArray();
        var old = (OpenTracy.Engine.Planning.DeploymentStatsReport)serializer.FromBinary(older, serializer.Manifest(report));
        Assert.Equal(new OpenTracy.Engine.Planning.DeploymentStatsEntry("group:g#0", 7, 1, 120.5, 0), Assert.Single(old.Entries));
    }

    [Fact]
    public void Unknown_manifests_are_refused()
    {
        var serializer = (SerializerWithStringManifest)Sys.Serialization.FindSerializerForType(typeof(ReturnPermits));
        Assert.ThrowsAny<Exception>(() => serializer.FromBinary("{}"u8.ToArray(), "System.Diagnostics.Process"));
    }
}

/// <summary>A local actor system with the real serializer bindings and every message serialized, as if it crossed the network.</summary>
public static class LimiterSpecConfig
{
    public static readonly Config Config = ConfigurationFactory.ParseString("""
            akka.actor.provider = local
            akka.actor.serialize-messages = on
            akka.actor.serialization-settings.newtonsoft.allow-unsafe-types = off
            """)
        .WithFallback(TestEngine.Config());
}
