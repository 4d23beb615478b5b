using MudBlazor;
using PromptLeo.Web.Data;

namespace PromptLeo.Web.Features.Organizations;

public partial class OrganizationMembersPage
{
    private MemberList? list;
    private string inviteEmail = "";
    private OrganizationRole inviteRole = OrganizationRole.Member;
    private string? message;
    private Severity messageSeverity = Severity.Success;
    private bool busy;

    // Admins hand out every role but Owner; the service checks it again.
    private IEnumerable<OrganizationRole> AssignableRoles =>
        Enum.GetValues<OrganizationRole>().Where(r => r != OrganizationRole.Owner || list?.CallerRole == OrganizationRole.Owner);

    protected override async Task OnInitializedAsync()
    {
        if (await ResolveAsync() is { } membership)
        {
            list = await Members.ListAsync(UserId, membership.OrganizationId, Circuit);
        }
    }

    private static decimal? Euro(long? micros) => micros is { } m ? m / 1_000_000m : null;

    private async Task ReloadAsync()
    {
        list = await Members.ListAsync(UserId, list!.OrganizationId, Circuit);
        if (list is null)
        {
            Navigation.NavigateTo("/", forceLoad: true); // no longer a member (removed meanwhile)
        }
    }

    private async Task InviteAsync()
    {
        busy = true;
        var outcome = await Members.InviteAsync(UserId, list!.OrganizationId, inviteEmail, inviteRole, new Uri(Navigation.BaseUri), Circuit);
        busy = false;
        if (Show(outcome, O["Invitation sent to {0}.", inviteEmail.Trim()]))
        {
            inviteEmail = "";
        }
        await ReloadAsync();
    }

    private async Task RevokeAsync(InvitationRow invitation)
    {
        Show(await Members.RevokeInvitationAsync(UserId, list!.OrganizationId, invitation.Id, Circuit), O["The invitation was revoked."]);
        await ReloadAsync();
    }

    private async Task ChangeRoleAsync(MemberRow member, OrganizationRole role)
    {
        Show(await Members.ChangeRoleAsync(UserId, list!.OrganizationId, member.UserId, role, Circuit), O["{0} is now {1}.", member.Name, O[role.ToString()]]);
        await ReloadAsync();
    }

    private async Task SetBudgetAsync(MemberRow member, decimal? eur)
    {
        Show(await Members.SetBudgetAsync(UserId, list!.OrganizationId, member.UserId, eur, Circuit), O["Budget saved."]);
        await ReloadAsync();
    }

    private async Task RemoveAsync(MemberRow member)
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(O["Remove member"],
            O["Remove {0} from {1}? Their API keys of this organization stop working and they are signed out everywhere. Their own conversations and images stay theirs.", member.Name, list!.Name],
            yesText: O["Remove"], cancelText: O["Cancel"]);
        if (confirmed != true)
        {
            return;
        }
        Show(await Members.RemoveAsync(UserId, list.OrganizationId, member.UserId, Circuit), O["{0} was removed.", member.Name]);
        await ReloadAsync();
    }

    private async Task LeaveAsync()
    {
        var confirmed = await Dialogs.ShowMessageBoxAsync(O["Leave organization"],
            O["Leave {0}? Your API keys of this organization stop working and your other browsers are signed out. Your own conversations and images stay yours.", list!.Name],
            yesText: O["Leave"], cancelText: O["Cancel"]);
        if (confirmed != true)
        {
            return;
        }
        var outcome = await Members.LeaveAsync(UserId, list.OrganizationId, Sessions.SessionStore.IdOf(User), Circuit);
        if (outcome == MemberOutcome.Done)
        {
            Navigation.NavigateTo("/", forceLoad: true);
            return;
        }
        Show(outcome, "");
    }

    /// <summary>Shows the outcome; true when the action was done.</summary>
    private bool Show(MemberOutcome outcome, string done)
    {
        (messageSeverity, message) = outcome switch
        {
            MemberOutcome.Done => (Severity.Success, done),
            MemberOutcome.LastOwner => (Severity.Error, O["An organization always keeps an owner: make someone else an owner first."].Value),
            MemberOutcome.Forbidden => (Severity.Error, O["Your role does not allow this. Only owners manage owners."].Value),
            MemberOutcome.AlreadyMember => (Severity.Warning, O["This person is already a member."].Value),
            MemberOutcome.TooManyInvitations => (Severity.Error, O["Too many open invitations: revoke some or wait until they expire."].Value),
            MemberOutcome.InvalidEmail => (Severity.Error, O["Enter a valid e-mail address."].Value),
            MemberOutcome.InvalidBudget => (Severity.Error, O["Enter a budget between 0 and 1,000,000 EUR, or leave it empty."].Value),
            MemberOutcome.PersonalOrganization => (Severity.Error, O["Your personal organization takes no members."].Value),
            _ => (Severity.Error, O["This member or invitation no longer exists."].Value),
        };
        if (outcome == MemberOutcome.Done)
        {
            Snackbar.Add(done, Severity.Success);
            message = null;
        }
        return outcome == MemberOutcome.Done;
    }
}
