using Akka.Actor;
using Akka.Cluster;

namespace OpenTracy.Node.Edge;

/// <summary><c>GET /health</c> (the process answers) and <c>GET /health/ready</c> (this node is an Up cluster member).</summary>
public static class HealthEndpoints
{
    public static Task LiveAsync(HttpContext context)
        => EdgeResponses.WriteJsonAsync(context.Response, StatusCodes.Status200OK, new HealthStatus("healthy"), NodeJson.Default.HealthStatus);

    public static Task ReadyAsync(HttpContext context, ActorSystem system)
    {
        var self = Cluster.Get(system).SelfMember;
        var up = self.Status == MemberStatus.Up;
        return EdgeResponses.WriteJsonAsync(context.Response,
            up ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable,
            new HealthStatus(up ? "ready" : "not ready", self.Status.ToString(), self.Address.ToString()),
            NodeJson.Default.HealthStatus);
    }
}
