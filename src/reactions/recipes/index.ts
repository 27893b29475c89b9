import type { AnyRecipe } from "../types";
import { coupontoolsAddStamps } from "./coupontools-add-stamps";
import { coupontoolsDirectoryUser } from "./coupontools-directory-user";
import { ometriaCustomEvent } from "./ometria-custom-event";
import { ometriaGdprDeletion } from "./ometria-gdpr-deletion";
import { ometriaPushOrder } from "./ometria-push-order";

/** Every recipe a reaction in wrangler.toml can name, by key. Adding a recipe: one file, one line here. */
export const recipes: Record<string, AnyRecipe> = Object.fromEntries(
  [
    coupontoolsAddStamps,
    coupontoolsDirectoryUser,
    ometriaCustomEvent,
    ometriaGdprDeletion,
    ometriaPushOrder,
  ].map((recipe) => [recipe.key, recipe]),
);
