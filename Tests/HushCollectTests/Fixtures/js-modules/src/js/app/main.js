import x from "./a.js";
import {a, b} from '../b.js';
export * from "./c.js";
import "./side.js";
import * as ns from "./d.js";
export { e } from './e.js';
import def, { f as g } from "./f.js";
import React from "react";
import {h} from "/static/js/h.js";
import {cdn} from "https://cdn.example.com/lib.js";

const lazy = () => import("./lazy.js");
console.log(x, a, b, ns, def, g, h, cdn, React, lazy);
