using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace PromptLeo.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class CompanyDpaSurvivesOwner : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_DpaAcceptances_AspNetUsers_UserId",
                table: "DpaAcceptances");

            migrationBuilder.AlterColumn<string>(
                name: "UserId",
                table: "DpaAcceptances",
                type: "TEXT",
                maxLength: 450,
                nullable: true,
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 450);

            migrationBuilder.AddForeignKey(
                name: "FK_DpaAcceptances_AspNetUsers_UserId",
                table: "DpaAcceptances",
                column: "UserId",
                principalTable: "AspNetUsers",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_DpaAcceptances_AspNetUsers_UserId",
                table: "DpaAcceptances");

            migrationBuilder.AlterColumn<string>(
                name: "UserId",
                table: "DpaAcceptances",
                type: "TEXT",
                maxLength: 450,
                nullable: false,
                defaultValue: "",
                oldClrType: typeof(string),
                oldType: "TEXT",
                oldMaxLength: 450,
                oldNullable: true);

            migrationBuilder.AddForeignKey(
                name: "FK_DpaAcceptances_AspNetUsers_UserId",
                table: "DpaAcceptances",
                column: "UserId",
                principalTable: "AspNetUsers",
                principalColumn: "Id",
                onDelete: ReferentialAction.Cascade);
        }
    }
}
