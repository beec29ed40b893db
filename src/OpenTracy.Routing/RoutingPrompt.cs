using OpenTracy.Wire;

namespace OpenTracy.Routing;

/// <summary>The text a chat request is routed on (§8.1 step 1).</summary>
public static class RoutingPrompt
{
    public const string UserRole = "user";

    /// <summary>
    /// Text of the last <c>user</c> message (array content → text parts joined with "\n"); without a user
    /// message, the last message's text; no messages → empty.
    /// </summary>
    public static string FromMessages(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            if (messages[i].Role == UserRole) return messages[i].Text;
        }
        return messages.Count > 0 ? messages[^1].Text : string.Empty;
    }
}
