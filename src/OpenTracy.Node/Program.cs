using OpenTracy.Node;

// One node: HTTP edge + Akka cluster member. Extra HOCON: `-- --config PATH.conf` (repeatable).
await using var app = NodeHost.Build(args);
await app.RunAsync();
