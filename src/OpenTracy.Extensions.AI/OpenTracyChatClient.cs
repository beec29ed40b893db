using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;

namespace OpenTracy.Extensions.AI;

/// <summary>
/// <see cref="IChatClient"/> over the OpenTracy SDK: every call is an OpenTracy completion (direct to a
/// provider or through the engine, with retries and fallbacks). <see cref="ChatOptions.ModelId"/>
/// overrides the default model; OpenTracy-only knobs (api_key, fallbacks, num_retries, ...) come from
/// the <see cref="CompletionOptions"/> given at construction; <see cref="ChatOptions.AdditionalProperties"/>
/// become extra body fields. Responses carry <c>_cost</c>, <c>_latency_ms</c>, <c>_provider</c> and
/// <c>_routing</c> in their AdditionalProperties.
/// </summary>
public sealed class OpenTracyChatClient : IChatClient
{
    private const string ProviderName = "opentracy";

    private readonly OpenTracyClient _client;
    private readonly CompletionOptions _defaults;
    private readonly ChatClientMetadata _metadata;

    /// <param name="client">The SDK client; <see cref="Completion.Client"/> when null.</param>
    /// <param name="defaultModel">Model string used when <see cref="ChatOptions.ModelId"/> is not set (<c>openai/gpt-4o</c>, <c>auto</c>, ...).</param>
    /// <param name="defaults">OpenTracy options applied to every call.</param>
    public OpenTracyChatClient(OpenTracyClient? client, string defaultModel, CompletionOptions? defaults = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(defaultModel);
        _client = client ?? Completion.Client;
        DefaultModel = defaultModel;
        _defaults = defaults ?? CompletionOptions.Default;
        _metadata = new ChatClientMetadata(ProviderName, _client.EngineUrl is { } e ? new Uri(e) : null, defaultModel);
    }

    /// <summary>Over the shared <see cref="Completion.Client"/>.</summary>
    public OpenTracyChatClient(string defaultModel, CompletionOptions? defaults = null) : this(null, defaultModel, defaults) { }

    public string DefaultModel { get; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<AiMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var wire = ChatRequestMapping.ToWire(messages, options?.Instructions);
        var response = await _client.CompletionAsync(options?.ModelId ?? DefaultModel, wire, ChatRequestMapping.ToOptions(options, _defaults), cancellationToken)
            .ConfigureAwait(false);
        return ChatResponseMapping.ToChatResponse(response);
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<AiMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var wire = ChatRequestMapping.ToWire(messages, options?.Instructions);
        var tools = new ToolCallAccumulator();
        await foreach (var chunk in _client.StreamAsync(options?.ModelId ?? DefaultModel, wire, ChatRequestMapping.ToOptions(options, _defaults), cancellationToken)
                           .ConfigureAwait(false))
        {
            var contents = new List<AIContent>();
            var choice = chunk.Choices.Count > 0 ? chunk.Choices[0] : null;
            if (choice?.Delta.Content is { Length: > 0 } text) contents.Add(new TextContent(text));
            tools.Add(choice?.Delta.ToolCalls);
            // Tool calls are handed over whole, when the model says it is done with them.
            if (choice?.FinishReason is not null && tools.HasCalls) contents.AddRange(tools.Drain());
            if (ChatResponseMapping.Usage(chunk.Usage) is { } usage) contents.Add(new UsageContent(usage));
            yield return ChatResponseMapping.ToUpdate(chunk, contents);
        }
        if (tools.HasCalls) yield return new ChatResponseUpdate(ChatRole.Assistant, tools.Drain());
    }

    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return _metadata;
        if (serviceType == typeof(OpenTracyClient)) return _client;
        return serviceType.IsInstanceOfType(this) ? this : null;
    }

    /// <summary>The SDK client is shared, not owned: nothing to release.</summary>
    public void Dispose() { }
}
