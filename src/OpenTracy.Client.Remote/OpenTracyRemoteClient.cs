using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using Akka.Configuration;
using Akka.Streams;
using Akka.Streams.Dsl;
using OpenTracy.Engine.Contracts;
using OpenTracy.Wire;

namespace OpenTracy.Client.Remote;

/// <summary>
/// Calls an OpenTracy cluster over Akka remoting. A ClusterClient talks to the receptionist of any
/// contact node and fails over to another node when that one dies; requests go to the node's
/// <c>/user/opentracy-remote</c> gateway, which drives the same request actors as the HTTP edge.
/// Streams arrive as a StreamRef, so the reader's pace reaches the provider; cancelling a call
/// (token or leaving the enumeration) cancels the upstream call in the cluster.
/// </summary>
public sealed class OpenTracyRemoteClient : IAsyncDisposable
{
    public const string GatewayPath = "/user/opentracy-remote";
    public const string SystemName = "opentracy-client";
    private const int StreamBuffer = 16;
    private const int ServiceUnavailable = 503;

    private readonly ActorSystem _system;
    private readonly IActorRef _client;
    private readonly IMaterializer _materializer;
    private readonly TimeSpan _timeout;

    private OpenTracyRemoteClient(ActorSystem system, IActorRef client, TimeSpan timeout)
    {
        _system = system;
        _client = client;
        _timeout = timeout;
        _materializer = system.Materializer(namePrefix: "remote-client");
    }

    public static OpenTracyRemoteClient Create(RemoteClientOptions options)
    {
        if (options.Contacts.Count == 0) throw new ArgumentException("at least one contact node is needed", nameof(options));
        var config = (options.ExtraHocon is null ? Config.Empty : ConfigurationFactory.ParseString(options.ExtraHocon))
            .WithFallback(ConfigurationFactory.ParseString($$"""
                akka.actor.provider = remote
                akka.remote.dot-netty.tcp { hostname = "{{options.Hostname}}", port = {{options.Port}} }
                akka.loglevel = WARNING
                akka.log-dead-letters = off
                # Notice a dead contact within seconds, then move to another one.
                akka.cluster.client { heartbeat-interval = 1s, acceptable-heartbeat-pause = 3s, reconnect-timeout = off }
                # A client system (provider = remote) does not load Akka.Cluster.Tools' serializer bindings by itself.
                akka.actor {
                  serializers.akka-cluster-client = "Akka.Cluster.Tools.Client.Serialization.ClusterClientMessageSerializer, Akka.Cluster.Tools"
                  serialization-bindings {
                    "Akka.Cluster.Tools.Client.IClusterClientMessage, Akka.Cluster.Tools" = akka-cluster-client
                    "Akka.Cluster.Tools.Client.IClusterClientProtocolMessage, Akka.Cluster.Tools" = akka-cluster-client
                  }
                  serialization-identifiers { "Akka.Cluster.Tools.Client.Serialization.ClusterClientMessageSerializer, Akka.Cluster.Tools" = 15 }
                }
                """))
            .WithFallback(OpenTracySerialization.Config())
            .WithFallback(ClusterClientReceptionist.DefaultConfig())
            // With use-legacy-serialization = off the client sends the pub-sub Send envelope: its serializer must be bound here too.
            .WithFallback(Akka.Cluster.Tools.PublishSubscribe.DistributedPubSub.DefaultConfig());
        var system = ActorSystem.Create(SystemName, config);
        var contacts = options.Contacts.Select(c => ActorPath.Parse(c.TrimEnd('/') + "/system/receptionist")).ToImmutableHashSet();
        var client = system.ActorOf(ClusterClient.Props(ClusterClientSettings.Create(system).WithInitialContacts(contacts)), "client");
        return new OpenTracyRemoteClient(system, client, options.RequestTimeout);
    }

    /// <summary>A non-streaming completion. Extras: <c>_provider</c> and <c>_routing</c> (selected_model, attempts, node).</summary>
    public async Task<ModelResponse> CompleteAsync(ChatRequest request, CancellationToken cancellationToken = default)
    {
        var reply = await AskAsync(request with { Stream = false }, cancellationToken);
        return reply switch
        {
            RemoteAnswered a => a.Response with { Provider = a.Route.Provider, Routing = Routing(a.Route) },
            _ => throw Unexpected(reply),
        };
    }

    /// <summary>A streamed completion, chunk by chunk; an error in the cluster surfaces as <see cref="RemoteCompletionException"/>.</summary>
    public async IAsyncEnumerable<StreamChunk> StreamAsync(ChatRequest request, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var reply = await AskAsync(request with { Stream = true }, cancellationToken);
        if (reply is not RemoteStreaming streaming) throw Unexpected(reply);
        var (kill, reader) = streaming.Chunks.Source
            .ViaMaterialized(KillSwitches.Single<RemoteStreamElement>(), Keep.Right)
            .ToMaterialized(ChannelSink.AsReader<RemoteStreamElement>(StreamBuffer, singleReader: true), Keep.Both)
            .Run(_materializer);
        // Leaving the loop early (break, dispose, token) shuts the stream down; the StreamRef carries the
        // cancellation to the node, which stops reading from the provider.
        await using var stop = cancellationToken.Register(() => kill.Shutdown());
        try
        {
            while (true)
            {
                RemoteStreamElement element;
                try
                {
                    if (!await reader.WaitToReadAsync(cancellationToken)) break;
                    if (!reader.TryRead(out element!)) continue;
                }
                catch (Exception e) when (e is not OperationCanceledException and not RemoteCompletionException)
                {
                    throw new RemoteCompletionException(ServiceUnavailable,
                        ErrorResponse.Of($"the stream from the cluster broke: {e.Message}", "api_error", "stream_broken"), e);
                }
                if (element.Error is { } error) throw new RemoteCompletionException(element.ErrorStatus ?? ServiceUnavailable, error);
                if (element.Chunk is { } chunk) yield return chunk;
            }
        }
        finally
        {
            kill.Shutdown();
        }
    }

    public async ValueTask DisposeAsync() => await _system.Terminate();

    private async Task<IOpenTracyWireMessage> AskAsync(ChatRequest body, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid().ToString("N");
        object reply;
        try
        {
            reply = await _client.Ask<object>(new ClusterClient.Send(GatewayPath, new RemoteComplete(id, body), localAffinity: true), _timeout, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Cancel(id);
            throw;
        }
        catch (AskTimeoutException e)
        {
            Cancel(id);
            throw new RemoteCompletionException(ServiceUnavailable,
                ErrorResponse.Of($"no answer from the cluster within {_timeout.TotalSeconds} s", "api_error", "timeout"), e);
        }
        if (reply is RemoteFailed failed) throw new RemoteCompletionException(failed.Status, failed.Error);
        return reply as IOpenTracyWireMessage ?? throw Unexpected(reply);
    }

    /// <summary>Every node's gateway hears it: only the node running the request has something to stop.</summary>
    private void Cancel(string id) => _client.Tell(new ClusterClient.SendToAll(GatewayPath, new RemoteCancel(id)));

    private static Dictionary<string, string> Routing(RemoteRoute route) => new(StringComparer.Ordinal)
    {
        ["selected_model"] = route.SelectedModel,
        ["attempts"] = route.Attempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["node"] = route.Node,
    };

    private static InvalidOperationException Unexpected(object reply) => new($"unexpected reply from the cluster: {reply.GetType().Name}");
}
