using Akka.Actor;
using Akka.TestKit.Xunit2;
using OpenTracy.Engine.RateLimiting;
using OpenTracy.Engine.Requests;
using OpenTracy.Engine.Tests.Support;
using OpenTracy.Providers;
using Xunit.Abstractions;

namespace OpenTracy.Engine.Tests.RateLimiting;

/// <summary>
/// A provider call's permit chain (deployment limit, then key limit) against two stand-in caches: a permit
/// already held goes back when the call ends before it could use it, and only then.
/// </summary>
public sealed class PermitChainSpec(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);
    private static readonly LimitSpec Limit = new(60, 0, 1);
    private readonly ScriptedProviderClient _client = new();

    private (IActorRef Call, Akka.TestKit.TestProbe Deployment, Akka.TestKit.TestProbe Key) StartCall()
    {
        var deployment = CreateTestProbe();
        var key = CreateTestProbe();
        var chain = new PermitPolicy("openai-dep-0123", Limit, TimeSpan.Zero, deployment.Ref)
        {
            And = new PermitPolicy("openai-4567", Limit, TimeSpan.Zero, key.Ref),
        };
        var endpoint = new ProviderEndpoint(ProviderCatalog.OpenAI, "http://mock.invalid/v1", new ProviderCredentials(new Secret("sk-chain")));
        var request = new ProviderRequest(endpoint, "gpt-4o-mini", TestEngine.Request("openai/gpt-4o-mini"), TimeSpan.FromSeconds(30));
        var call = Sys.ActorOf(ProviderCallActor.Props(request, _ => _client, stream: false, chain));
        return (call, deployment, key);
    }

    [Fact]
    public void Stopped_between_the_deployment_permit_and_the_key_permit_the_call_returns_the_deployment_permit()
    {
        var (call, deployment, key) = StartCall();
        deployment.ExpectMsg<AcquirePermit>(Patience);
        deployment.Reply(PermitGranted.Instance);
        key.ExpectMsg<AcquirePermit>(Patience); // the key's permit is asked for, not yet granted

        Watch(call);
        Sys.Stop(call);
        ExpectTerminated(call, Patience);

        Assert.Equal("openai-dep-0123", deployment.ExpectMsg<ReleasePermit>(Patience).EntityId);
        key.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // never granted, so nothing to give back
        Assert.Empty(_client.Calls);
    }

    [Fact]
    public void Stopped_while_waiting_for_the_first_permit_the_call_releases_nothing()
    {
        var (call, deployment, key) = StartCall();
        deployment.ExpectMsg<AcquirePermit>(Patience);

        Watch(call);
        Sys.Stop(call);
        ExpectTerminated(call, Patience);

        deployment.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
        key.ExpectNoMsg(TimeSpan.FromMilliseconds(200));
    }
}
