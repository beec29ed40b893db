namespace OpenTracy.Providers.Bedrock;

/// <summary>The value types of an AWS event-stream header (the byte that follows the header name).</summary>
public enum EventStreamHeaderType : byte
{
    BoolTrue = 0,
    BoolFalse = 1,
    Byte = 2,
    Int16 = 3,
    Int32 = 4,
    Int64 = 5,
    ByteArray = 6,
    String = 7,
    Timestamp = 8,
    Uuid = 9,
}

/// <summary>
/// One header. <see cref="Value"/> is a <see cref="bool"/>, <see cref="sbyte"/>, <see cref="short"/>, <see cref="int"/>,
/// <see cref="long"/>, <see cref="byte"/>[], <see cref="string"/>, <see cref="DateTimeOffset"/> or <see cref="Guid"/>
/// according to <see cref="Type"/>.
/// </summary>
public sealed record EventStreamHeader(string Name, EventStreamHeaderType Type, object Value);

/// <summary>One decoded event-stream message: its headers and its payload bytes.</summary>
public sealed record EventStreamMessage(IReadOnlyList<EventStreamHeader> Headers, ReadOnlyMemory<byte> Payload)
{
    public const string MessageTypeHeader = ":message-type";
    public const string EventTypeHeader = ":event-type";
    public const string ExceptionTypeHeader = ":exception-type";
    public const string ErrorCodeHeader = ":error-code";
    public const string ErrorMessageHeader = ":error-message";
    public const string ContentTypeHeader = ":content-type";

    /// <summary>The value of a string header, or null when absent or not a string.</summary>
    public string? GetString(string name)
    {
        foreach (var h in Headers)
            if (h.Type == EventStreamHeaderType.String && string.Equals(h.Name, name, StringComparison.Ordinal))
                return (string)h.Value;
        return null;
    }

    /// <summary><c>event</c>, <c>exception</c> or <c>error</c>.</summary>
    public string? MessageType => GetString(MessageTypeHeader);

    public string? EventType => GetString(EventTypeHeader);

    public string? ExceptionType => GetString(ExceptionTypeHeader);
}
