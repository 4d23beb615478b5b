using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PromptLeo.Tests.Fixtures;

namespace PromptLeo.Tests.Web;

public sealed class LogCapturingPortalFactory : PortalFactory
{
    public CapturingLoggerProvider Logs { get; } = new();

    protected override IDictionary<string, string?> ExtraSettings => new Dictionary<string, string?>
    {
        ["Logging:LogLevel:Default"] = "Debug",
        ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Information",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.AddSingleton<ILoggerProvider>(Logs));
    }
}

public sealed class PrivacyOfLogsTests(LogCapturingPortalFactory factory) : IClassFixture<LogCapturingPortalFactory>
{
    [Fact]
    public async Task AccountFlows_NeverLogEmailOrPassword()
    {
        const string email = "erika.mustermann.logcheck@example.de";
        const string password = "Secret-Passw0rd-Log";
        var client = factory.CreateBrowserLikeClient();
        await PortalSession.RegisterConfirmAndLoginAsync(factory, client, email, password);
        await PortalSession.LoginAsync(factory.CreateBrowserLikeClient(), email, "Wrong-Passw0rd-Log");

        Assert.NotEmpty(factory.Logs.Lines);
        var leaks = factory.Logs.Lines.Where(l =>
            l.Contains("erika.mustermann", StringComparison.OrdinalIgnoreCase) ||
            l.Contains("ERIKA.MUSTERMANN", StringComparison.Ordinal) ||
            l.Contains(password) || l.Contains("Wrong-Passw0rd-Log")).ToList();
        Assert.True(leaks.Count == 0, "Personal data in logs:\n" + string.Join("\n", leaks));
    }
}
