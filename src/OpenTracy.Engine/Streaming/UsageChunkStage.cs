using Akka.Streams;
using Akka.Streams.Stage;
using OpenTracy.Wire;

namespace OpenTracy.Engine.Streaming;

/// <summary>
/// Normalises usage on a chunk stream, whatever the provider does with it: usage is taken off
/// every chunk (a usage-only chunk is swallowed); when the stream completes and the client asked
/// for <c>stream_options.include_usage</c>, one final OpenAI-style usage chunk (<c>choices: []</c>,
/// <c>usage</c>, <c>cost</c>) follows the last content chunk. Nothing is emitted on failure.
/// <paramref name="observed"/>, when given, receives the stream's usage and cost on completion either way.
/// </summary>
public sealed class UsageChunkStage(bool includeUsage, Func<Usage, CostInfo?> cost, Action<Usage, CostInfo?>? observed = null) : GraphStage<FlowShape<StreamChunk, StreamChunk>>
{
    private readonly Inlet<StreamChunk> _in = new("usage.in");
    private readonly Outlet<StreamChunk> _out = new("usage.out");
    private readonly bool _includeUsage = includeUsage;
    private readonly Func<Usage, CostInfo?> _cost = cost;
    private readonly Action<Usage, CostInfo?>? _observed = observed;

    public override FlowShape<StreamChunk, StreamChunk> Shape => new(_in, _out);

    protected override GraphStageLogic CreateLogic(Attributes inheritedAttributes) => new Logic(this);

    private sealed class Logic : InAndOutGraphStageLogic
    {
        private readonly UsageChunkStage _stage;
        private StreamChunk? _usageSource;

        public Logic(UsageChunkStage stage) : base(stage.Shape)
        {
            _stage = stage;
            SetHandler(stage._in, this);
            SetHandler(stage._out, this);
        }

        public override void OnPush()
        {
            var chunk = Grab(_stage._in);
            if (chunk.Usage is null)
            {
                Push(_stage._out, chunk);
                return;
            }
            _usageSource = chunk;
            if (chunk.IsUsageOnly) Pull(_stage._in);
            else Push(_stage._out, chunk with { Usage = null, Cost = null });
        }

        public override void OnPull() => Pull(_stage._in);

        public override void OnUpstreamFinish()
        {
            CostInfo? cost = null;
            if (_usageSource is { Usage: { } seen } && (_stage._includeUsage || _stage._observed is not null))
            {
                cost = _stage._cost(seen);
                _stage._observed?.Invoke(seen, cost);
            }
            if (_stage._includeUsage && _usageSource is { Usage: { } usage } source)
            {
                var final = new StreamChunk
                {
                    Id = source.Id,
                    Created = source.Created,
                    Model = source.Model,
                    SystemFingerprint = source.SystemFingerprint,
                    Choices = [],
                    Usage = usage,
                    Cost = cost,
                };
                Emit(_stage._out, final, CompleteStage);
            }
            else
            {
                CompleteStage();
            }
        }
    }
}
