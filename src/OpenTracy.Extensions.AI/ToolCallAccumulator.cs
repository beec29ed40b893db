using Microsoft.Extensions.AI;
using OpenTracy.Wire;

namespace OpenTracy.Extensions.AI;

/// <summary>Joins streamed tool-call fragments by index (id and name from the first fragment, arguments appended).</summary>
internal sealed class ToolCallAccumulator
{
    private readonly SortedDictionary<int, (string? Id, string? Name, System.Text.StringBuilder Args)> _calls = [];

    public bool HasCalls => _calls.Count > 0;

    public void Add(IReadOnlyList<ToolCall>? fragments)
    {
        if (fragments is null) return;
        for (var i = 0; i < fragments.Count; i++)
        {
            var f = fragments[i];
            var index = f.Index ?? i;
            if (!_calls.TryGetValue(index, out var call)) call = (null, null, new System.Text.StringBuilder());
            call.Id ??= f.Id;
            call.Name ??= f.Function?.Name;
            if (f.Function?.Arguments is { } args) call.Args.Append(args);
            _calls[index] = call;
        }
    }

    /// <summary>The completed calls, and forgets them.</summary>
    public List<AIContent> Drain()
    {
        var contents = new List<AIContent>();
        foreach (var (_, call) in _calls)
            if (call.Name is { } name) contents.Add(ChatResponseMapping.FunctionCall(call.Id ?? string.Empty, name, call.Args.ToString()));
        _calls.Clear();
        return contents;
    }
}
