using System.Net;
using System.Net.Sockets;

namespace PromptLeo.Tests.Fixtures;

/// <summary>A loopback port nobody listens on right now, for the servers the tests start (Kestrel, nginx, Redis, PostgreSQL).</summary>
public static class LoopbackPort
{
    public static int Free()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
