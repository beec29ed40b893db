using System.Globalization;
using OpenTracy.Cmd;

return await Pbm.RunAsync(args);

namespace OpenTracy.Cmd
{
    /// <summary>
    /// <c>pbm [--key KEY] host:port [palette command [switches]]</c>: with a command, runs it and exits when its
    /// response stream ends (exit 0 on success, 1 when the command failed, 2 on usage or connection errors);
    /// without, an interactive session. Ctrl-C stops a streamed command (<c>cluster tail</c>, <c>log slurp</c>).
    /// </summary>
    public static class Pbm
    {
        public const string KeyOption = "--key";
        public const string KeyVariable = "OPENTRACY_OPS_KEY";
        public const int Ok = 0;
        public const int CommandFailed = 1;
        public const int UsageError = 2;
        private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);
        private static readonly TimeSpan CancelGrace = TimeSpan.FromSeconds(5);

        public static async Task<int> RunAsync(string[] args)
        {
            var rest = new List<string>();
            var key = Environment.GetEnvironmentVariable(KeyVariable);
            for (var i = 0; i < args.Length; i++)
            {
                if (args[i] == KeyOption && i + 1 < args.Length) key = args[++i];
                else if (args[i] is "-h" or "--help" && rest.Count == 0)
                {
                    Usage(Console.Out);
                    return Ok;
                }
                else rest.Add(args[i]);
            }
            if (rest.Count == 0 || !TryEndpoint(rest[0], out var host, out var port))
            {
                Usage(Console.Error);
                return UsageError;
            }
            OpsConnection connection;
            try
            {
                connection = await OpsConnection.ConnectAsync(host, port, key, ConnectTimeout);
            }
            catch (Exception e) when (e is System.Net.Sockets.SocketException or OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"cannot connect to {rest[0]}: {e.Message}");
                return UsageError;
            }
            await using (connection)
            {
                if (rest.Count == 1) return await Repl.RunAsync(connection, rest[0]);
                return await RunOneAsync(connection, rest.Skip(1).ToList(), Console.Out, Console.Error);
            }
        }

        /// <summary>Runs one command; Ctrl-C asks the host to stop it.</summary>
        public static async Task<int> RunOneAsync(OpsConnection connection, IReadOnlyList<string> tokens, TextWriter stdout, TextWriter stderr)
        {
            using var cancelled = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) =>
            {
                e.Cancel = true;
                _ = connection.CancelAsync();
                cancelled.CancelAfter(CancelGrace);
            };
            Console.CancelKeyPress += onCancel;
            try
            {
                await connection.ExecAsync(tokens);
                var ok = true;
                await foreach (var response in connection.ReadUntilEndAsync(cancelled.Token))
                {
                    switch (response.Type)
                    {
                        case "out":
                            await stdout.WriteLineAsync(response.Text);
                            await stdout.FlushAsync();
                            break;
                        case "err":
                            await stderr.WriteLineAsync(response.Text);
                            break;
                        case "end":
                            ok = response.Ok != false;
                            break;
                    }
                }
                return ok ? Ok : CommandFailed;
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                await stderr.WriteLineAsync(e.Message);
                return CommandFailed;
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        }

        public static bool TryEndpoint(string value, out string host, out int port)
        {
            host = "";
            port = 0;
            var colon = value.LastIndexOf(':');
            if (colon <= 0) return false;
            host = value[..colon].Trim('[', ']');
            return int.TryParse(value[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= ushort.MaxValue;
        }

        private static void Usage(TextWriter writer)
        {
            writer.WriteLine("usage: pbm [--key KEY] <host:port> [<palette> <command> [switches] [--json]]");
            writer.WriteLine("  without a command: interactive session (help, tab completion, exit)");
            writer.WriteLine($"  the ops key can also come from {KeyVariable}");
        }
    }
}
