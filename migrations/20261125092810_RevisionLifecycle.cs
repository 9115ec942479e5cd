using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace NatGateway.Migrations
{
    /// <inheritdoc />
    public partial class RevisionLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ConfirmBy",
                table: "Revisions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Outcome",
                table: "Revisions",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "PreviousRevisionId",
                table: "Revisions",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "SettingsDocument",
                table: "Revisions",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Revisions_State",
                table: "Revisions",
                column: "State");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Revisions_State",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "ConfirmBy",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "Outcome",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "PreviousRevisionId",
                table: "Revisions");

            migrationBuilder.DropColumn(
                name: "SettingsDocument",
                table: "Revisions");
        }
    }
}
