variable "a" {   
  type    =  string   
}   



