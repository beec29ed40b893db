using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using OpenTracy.MockProvider;

// dotnet run -c Release --project src/OpenTracy.MockProvider -- --port N [--aws-secret-access-key S]
var port = 0;
var secret = Environment.GetEnvironmentVariable("MOCK_AWS_SECRET_ACCESS_KEY");
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length:
            if (!int.TryParse(args[++i], NumberStyles.Integer, CultureInfo.InvariantCulture, out port) || port is < 0 or > 65535)
            {
                Console.Error.WriteLine($"invalid --port value '{args[i]}'");
                return 2;
            }
            break;
        case "--aws-secret-access-key" when i + 1 < args.Length:
            secret = args[++i];
            break;
        case "--help" or "-h":
            Console.Error.WriteLine("usage: OpenTracy.MockProvider [--port N] [--aws-secret-access-key S]  (env MOCK_AWS_SECRET_ACCESS_KEY)");
            return 0;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'");
            return 2;
    }
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
void OnSignal(PosixSignalContext context)
{
    context.Cancel = true;
    stop.TrySetResult();
}
using var sigTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
using var sigInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);

await using var server = await MockProviderServer.StartCoreAsync(
    new MockProviderOptions { Port = port, AwsSecretAccessKey = string.IsNullOrEmpty(secret) ? null : secret },
    logging => logging.AddSimpleConsole(o => o.SingleLine = true)
        .AddFilter(level => level >= LogLevel.Warning)
        .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace),
    CancellationToken.None);

Console.Out.WriteLine($"listening on {server.BaseUrl.GetLeftPart(UriPartial.Authority)}");
Console.Out.Flush();

await stop.Task;
return 0;
