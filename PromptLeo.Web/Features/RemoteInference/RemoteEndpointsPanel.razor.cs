using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.Extensions.Localization;
using MudBlazor;
using PromptLeo.Web.Resources;

namespace PromptLeo.Web.Features.RemoteInference;

/// <summary>
/// The admin page's remote inference endpoints: add, edit, remove, check now, and each endpoint's health and in-flight
/// requests on this node (refreshed every few seconds, so an unhealthy endpoint shows until it recovers).
/// </summary>
public partial class RemoteEndpointsPanel
{
    private static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(5);

    [Inject] private RemoteEndpointAdministration Administration { get; set; } = default!;
    [Inject] private IStringLocalizer<RemoteInferenceResource> T { get; set; } = default!;
    [CascadingParameter] private Task<AuthenticationState>? AuthState { get; set; }

    private IReadOnlyList<RemoteEndpointRow> rows = [];
    private RemoteEndpointForm? form;
    private string? errorField;
    private string? message;
    private Severity severity = Severity.Normal;
    private bool busy;
    private Guid? confirmingRemove;

    protected override async Task OnInitializedAsync()
    {
        rows = await Administration.ListAsync(Circuit);
        _ = RefreshLoopAsync();
    }

    private async Task RefreshLoopAsync()
    {
        using var timer = new PeriodicTimer(RefreshEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(Circuit))
            {
                var fresh = await Administration.ListAsync(Circuit);
                await InvokeAsync(() =>
                {
                    rows = fresh;
                    StateHasChanged();
                });
            }
        }
        catch (OperationCanceledException)
        {
            // The page is gone.
        }
        catch (ObjectDisposedException)
        {
            // The circuit is gone.
        }
    }

    private void StartAdd()
    {
        form = new RemoteEndpointForm();
        errorField = null;
    }

    private async Task EditAsync(RemoteEndpointRow row)
    {
        form = await Administration.FormAsync(row.Id, Circuit);
        errorField = null;
    }

    private async Task SaveAsync()
    {
        if (form is null)
        {
            return;
        }
        busy = true;
        try
        {
            await Administration.SaveAsync(form, await ActorAsync(), Circuit);
            Show(T["Endpoint {0} saved.", form.Name.Trim()], Severity.Success);
            form = null;
            errorField = null;
            rows = await Administration.ListAsync(Circuit);
        }
        catch (RemoteEndpointInvalidException invalid)
        {
            errorField = invalid.Field;
            Show(T[invalid.Key, invalid.Arguments], Severity.Warning);
        }
        finally
        {
            busy = false;
        }
    }

    private async Task RemoveAsync(RemoteEndpointRow row)
    {
        busy = true;
        try
        {
            confirmingRemove = null;
            if (await Administration.RemoveAsync(row.Id, await ActorAsync(), Circuit))
            {
                Show(T["Endpoint {0} removed.", row.Name], Severity.Success);
            }
            rows = await Administration.ListAsync(Circuit);
        }
        finally
        {
            busy = false;
        }
    }

    private async Task CheckAsync(RemoteEndpointRow row)
    {
        busy = true;
        try
        {
            var healthy = await Administration.CheckNowAsync(row.Id, Circuit);
            Show(healthy ? T["{0} is healthy.", row.Name] : T["{0} is unhealthy.", row.Name], healthy ? Severity.Success : Severity.Warning);
            rows = await Administration.ListAsync(Circuit);
        }
        finally
        {
            busy = false;
        }
    }

    private void Show(string text, Severity level)
    {
        message = text;
        severity = level;
    }

    private async Task<string> ActorAsync() =>
        AuthState is null ? "" : (await AuthState).User.FindFirstValue(ClaimTypes.NameIdentifier) ?? "";

    private static string HealthKey(RemoteEndpointRow row) => row.Enabled ? row.Health.ToString().ToLowerInvariant() : "disabled";

    private string HealthText(RemoteEndpointRow row) => !row.Enabled ? T["disabled"] : row.Health switch
    {
        RemoteHealth.Healthy => T["healthy"],
        RemoteHealth.Unhealthy => T["unhealthy"],
        _ => T["not checked yet"],
    };

    private static Color HealthColor(RemoteEndpointRow row) => !row.Enabled ? Color.Default : row.Health switch
    {
        RemoteHealth.Healthy => Color.Success,
        RemoteHealth.Unhealthy => Color.Error,
        _ => Color.Default,
    };
}
