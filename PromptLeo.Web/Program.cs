using PromptLeo.Web.Features.Accounts;
using PromptLeo.Web.Features.Admin;
using PromptLeo.Web.Features.Api;
using PromptLeo.Web.Features.ApiKeys;
using PromptLeo.Web.Features.Billing;
using PromptLeo.Web.Features.Breaches;
using PromptLeo.Web.Features.Chat;
using PromptLeo.Web.Features.Cluster;
using PromptLeo.Web.Features.Cli;
using PromptLeo.Web.Features.Content;
using PromptLeo.Web.Features.Email;
using PromptLeo.Web.Features.Hosting;
using PromptLeo.Web.Features.Images;
using PromptLeo.Web.Features.Knowledge;
using PromptLeo.Web.Features.Metering;
using PromptLeo.Web.Features.Models;
using PromptLeo.Web.Features.Organizations;
using PromptLeo.Web.Features.Organizations.Sso;
using PromptLeo.Web.Features.Portal;
using PromptLeo.Web.Features.Preferences;
using PromptLeo.Web.Features.Privacy;
using PromptLeo.Web.Features.Records;
using PromptLeo.Web.Features.RemoteInference;
using PromptLeo.Web.Features.Sessions;
using PromptLeo.Web.Features.Storage;
using PromptLeo.Web.Features.SubProcessors;
using PromptLeo.Web.Features.Telemetry;

if (CommandLine.RefusesSecretArguments(args, Console.Error))
{
    return 2;
}

var builder = WebApplication.CreateBuilder(args);

builder.AddPromptLeoCluster();
builder.AddPromptLeoStorage();
builder.AddPromptLeoAccounts();
builder.AddPromptLeoEmail();
builder.AddPromptLeoSessions();
builder.AddPromptLeoHosting();
builder.AddPromptLeoPortal();
builder.AddPromptLeoModels();
builder.AddPromptLeoRecords();
builder.AddPromptLeoContent();
builder.AddPromptLeoMetering();
builder.AddPromptLeoPrivacy();
builder.AddPromptLeoSubProcessors();
builder.AddPromptLeoImages();
builder.AddPromptLeoChat();
builder.AddPromptLeoKnowledge();
builder.AddPromptLeoBilling();
builder.AddPromptLeoOrganizations();
builder.AddPromptLeoSso();
builder.AddPromptLeoApiKeys();
builder.AddPromptLeoApi();
builder.AddPromptLeoRemoteInference();
builder.AddPromptLeoAdmin();
builder.AddPromptLeoBreaches();
builder.AddPromptLeoTelemetry();

var app = builder.Build();

if (CommandLine.IsCommand(args))
{
    return await CommandLine.RunAsync(app.Services, args, Console.Out, Console.In);
}

await app.Services.InitializeDatabaseAsync();
await app.Services.MarkInterruptedRequestsAsync();
await app.Services.ProvisionAccountsAsync();
await app.Services.EnsureDemoModelsAsync();

app.UsePromptLeoPipeline();
app.MapPromptLeoEndpoints();
app.MapPreferences();
app.MapPromptLeoPrivacy();
app.MapPromptLeoSubProcessors();
app.MapPromptLeoImages();
app.MapPromptLeoChat();
app.MapPromptLeoBilling();
app.MapPromptLeoApi();
app.MapPromptLeoBreaches();
app.MapPromptLeoSso();
app.MapPromptLeoOrganizations();
app.MapPromptLeoTelemetry();

await app.RunAsync();
return 0;

public partial class Program;
