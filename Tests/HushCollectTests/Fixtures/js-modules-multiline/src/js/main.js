import {
  one,
  two,
} from "./nums.js";
export {
  three
}   from   './nums.js';
import    './side.js';
import"./side2.js";
console.log(one, two);
