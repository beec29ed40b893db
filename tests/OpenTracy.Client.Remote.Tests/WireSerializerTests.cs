using System.Text;
using Akka.Actor;
using Akka.Cluster.Tools.Client;
using OpenTracy.Engine.Contracts;
using OpenTracy.Wire;

namespace OpenTracy.Client.Remote.Tests;

public sealed class WireSerializerTests : IAsyncLifetime
{
    private readonly ActorSystem _system = ActorSystem.Create("wire", OpenTracySerialization.Config()
        .WithFallback(ClusterClientReceptionist.DefaultConfig()));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync() => _system.Terminate();

    private T RoundTrip<T>(T message) where T : notnull
    {
        var serializer = _system.Serialization.FindSerializerFor(message);
        Assert.IsType<OpenTracyWireSerializer>(serializer);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        return (T)_system.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
    }

    [Fact]
    public void Requests_answers_and_stream_elements_round_trip()
    {
        var request = new RemoteComplete("id1", new ChatRequest { Model = "openai/gpt-4o-mini", Messages = [ChatMessage.User("hi")], Stream = true });
        var element = RemoteStreamElement.Failure(502, ErrorResponse.Of("upstream broke", "api_error"));

        var back = RoundTrip(request);
        var elementBack = RoundTrip(element);

        Assert.Equal("id1", back.RequestId);
        Assert.Equal("openai/gpt-4o-mini", back.Body.Model);
        Assert.Equal("hi", back.Body.Messages[0].Content!.Text);
        Assert.Equal(502, elementBack.ErrorStatus);
        Assert.Equal("upstream broke", elementBack.Error!.Error.Message);
        Assert.Equal("rc", OpenTracyWireSerializer.CompleteManifest);
    }

    [Fact]
    public void Unknown_fields_from_a_newer_peer_are_ignored()
    {
        var serializer = (OpenTracyWireSerializer)_system.Serialization.FindSerializerForType(typeof(RemoteCancel));
        var json = """{"RequestId":"abc","AddedInVersion2":{"x":1}}""";

        var message = (RemoteCancel)serializer.FromBinary(Encoding.UTF8.GetBytes(json), OpenTracyWireSerializer.CancelManifest);

        Assert.Equal("abc", message.RequestId);
    }

    [Fact]
    public void The_wire_messages_never_use_the_default_json_serializer()
    {
        foreach (var type in new[] { typeof(RemoteComplete), typeof(RemoteAnswered), typeof(RemoteStreaming), typeof(RemoteFailed), typeof(RemoteCancel), typeof(RemoteStreamElement) })
            Assert.IsType<OpenTracyWireSerializer>(_system.Serialization.FindSerializerForType(type));
    }
}
